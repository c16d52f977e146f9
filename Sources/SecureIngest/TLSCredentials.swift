import NIOCore
import NIOSSL

/// The files a TLS listener reads its identity and its clients' trust anchor from (PEM).
/// Read at start-up — a missing or unreadable file stops start-up with one clear line — and read
/// again on SIGHUP, so certificates rotated by certbot or cert-manager take effect for new
/// connections while the open ones keep theirs.
public struct TLSCredentials: Sendable, Equatable {
    /// The server certificate, optionally followed by its intermediates.
    public var certificatePath: String
    public var keyPath: String
    /// Turns on mutual TLS: only clients whose certificate chains to one of these CAs are accepted.
    public var clientCAPath: String?

    public init(certificatePath: String, keyPath: String, clientCAPath: String? = nil) {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.clientCAPath = clientCAPath?.isEmpty == true ? nil : clientCAPath
    }

    public struct LoadError: Error, CustomStringConvertible {
        public let description: String
    }

    /// A server context from the files as they are now: TLS 1.2 or newer (RFC 5425 §4.2 requires
    /// at least 1.2), client certificates required and verified against the client CA when one
    /// is configured (host names are not checked here: ``PeerNameMatcher`` decides on names).
    public func makeServerContext() throws(LoadError) -> NIOSSLContext {
        let configuration = try makeServerConfiguration()
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw LoadError(description: "the key '\(keyPath)' does not fit the certificate '\(certificatePath)' or is unusable: \(error)")
        }
    }

    /// The configuration ``makeServerContext()`` builds its context from (the API's HTTPS uses it
    /// as it is). The files are read here.
    public func makeServerConfiguration() throws(LoadError) -> TLSConfiguration {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
        } catch {
            throw LoadError(description: "cannot read the certificate chain '\(certificatePath)': \(error)")
        }
        guard !chain.isEmpty else { throw LoadError(description: "no PEM certificate in '\(certificatePath)'") }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        } catch {
            throw LoadError(description: "cannot read the private key '\(keyPath)': \(error)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        if let clientCAPath {
            let roots: [NIOSSLCertificate]
            do {
                roots = try NIOSSLCertificate.fromPEMFile(clientCAPath)
            } catch {
                throw LoadError(description: "cannot read the client CA '\(clientCAPath)': \(error)")
            }
            guard !roots.isEmpty else { throw LoadError(description: "no PEM certificate in '\(clientCAPath)'") }
            configuration.trustRoots = .certificates(roots)
            configuration.certificateVerification = .noHostnameVerification
        } else {
            configuration.certificateVerification = .none
        }
        return configuration
    }
}
