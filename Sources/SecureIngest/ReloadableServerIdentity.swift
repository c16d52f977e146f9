import Logging
import Metrics
import NIOCore
import NIOSSL
import Synchronization

/// A TLS server identity (certificate chain and key) that can be read again while the server
/// runs, for servers whose TLS context is built once by someone else — the API's HTTPS, built by
/// Hummingbird. Each handshake takes the identity current at its start (NIOSSL's context
/// callback); open connections keep theirs. SIGHUP calls ``reload()``: certificates rotated by
/// certbot or cert-manager are served without a restart, as the syslog TLS listener does.
public final class ReloadableServerIdentity: Sendable {
    public let credentials: TLSCredentials
    private struct Identity: Sendable {
        var chain: [NIOSSLCertificateSource]
        var key: NIOSSLPrivateKeySource
    }
    private let current: Mutex<Identity>
    private let reloads: CertificateReloads

    /// Reads the files; a bad one is an error here, at start-up.
    public init(credentials: TLSCredentials, logger: Logger, metricsLabel: String) throws(TLSCredentials.LoadError) {
        self.credentials = credentials
        self.current = Mutex(try Self.read(credentials))
        reloads = CertificateReloads(label: metricsLabel, logger: logger)
    }

    /// The configuration to build the server from: the files as read, and a callback that hands
    /// every new handshake the identity current at that moment.
    public func makeServerConfiguration() throws(TLSCredentials.LoadError) -> TLSConfiguration {
        var configuration = try credentials.makeServerConfiguration()
        configuration.sslContextCallback = { [self] _, promise in
            let identity = current.withLock { $0 }
            var override = NIOSSLContextConfigurationOverride()
            override.certificateChain = identity.chain
            override.privateKey = identity.key
            promise.succeed(override)
        }
        return configuration
    }

    /// Reads the files again; new handshakes use them. On failure (unreadable, or a key that does
    /// not fit its certificate) the current identity stays, and the failure is logged and counted.
    @discardableResult
    public func reload() -> Bool {
        reloads.attempt(certificate: credentials.certificatePath) { () throws(TLSCredentials.LoadError) in
            let fresh = try Self.read(credentials)
            current.withLock { $0 = fresh }
        }
    }

    /// The files' identity, checked by building a context from it (a key that does not fit its
    /// certificate fails here, not in a client's handshake).
    private static func read(_ credentials: TLSCredentials) throws(TLSCredentials.LoadError) -> Identity {
        let configuration = try credentials.makeServerConfiguration()
        _ = try credentials.makeServerContext()
        return Identity(chain: configuration.certificateChain, key: configuration.privateKey!)
    }
}
