import ArgumentParser
import Ingest
import Logging
import SecureIngest
import ServiceLifecycle
import UnixSignals

/// `vigil serve`'s flags for secure intake: syslog over TLS, client certificates, allowlists,
/// the error ring and HTTPS for the API (each also a `[syslog]` or `[api]` key).
struct SecureIntakeOptions: ParsableArguments {
    @Option(name: .customLong("tls"), help: "Address for syslog over TLS, RFC 5425 (repeatable; syslog.tls). Default: off.")
    var tls: [String] = []

    @Option(name: .customLong("tls-cert"), help: "PEM server certificate (chain allowed) for --tls (syslog.tls_cert).")
    var tlsCert: String?

    @Option(name: .customLong("tls-key"), help: "PEM private key for --tls (syslog.tls_key).")
    var tlsKey: String?

    @Option(name: .customLong("tls-client-ca"), help: "PEM CA: require client certificates chaining to it (syslog.tls_client_ca).")
    var tlsClientCA: String?

    @Option(name: .customLong("tls-allowed-name"), help: "Client certificate name allowed, CN or DNS SAN, *.domain wildcards (repeatable; syslog.tls_allowed_names).")
    var tlsAllowedNames: [String] = []

    @Option(name: .customLong("allow"), help: "Sender network allowed on every transport, e.g. 10.0.0.0/8 (repeatable; syslog.allow). Default: everyone.")
    var allow: [String] = []

    @Option(name: .customLong("error-ring"), help: "Rejected messages kept per receive thread for GET /errors/recent (syslog.error_ring).")
    var errorRing: Int?

    @Option(name: .customLong("api-tls-cert"), help: "PEM certificate chain: serve the API over HTTPS (api.tls_cert).")
    var apiTLSCert: String?

    @Option(name: .customLong("api-tls-key"), help: "PEM private key for --api-tls-cert (api.tls_key).")
    var apiTLSKey: String?

    func apply(to configuration: inout VigilConfiguration) throws(ConfigurationError) {
        func flag(_ name: String, _ key: String, _ value: TOMLSubset.Value?) throws(ConfigurationError) {
            if let value { try configuration.apply(flag: name, key: key, value) }
        }
        func strings(_ values: [String]) -> TOMLSubset.Value? { values.isEmpty ? nil : .array(values.map { .string($0) }) }
        try flag("--tls", "syslog.tls", strings(tls))
        try flag("--tls-cert", "syslog.tls_cert", tlsCert.map { .string($0) })
        try flag("--tls-key", "syslog.tls_key", tlsKey.map { .string($0) })
        try flag("--tls-client-ca", "syslog.tls_client_ca", tlsClientCA.map { .string($0) })
        try flag("--tls-allowed-name", "syslog.tls_allowed_names", strings(tlsAllowedNames))
        try flag("--allow", "syslog.allow", strings(allow))
        try flag("--error-ring", "syslog.error_ring", errorRing.map { .integer(Int64($0)) })
        try flag("--api-tls-cert", "api.tls_cert", apiTLSCert.map { .string($0) })
        try flag("--api-tls-key", "api.tls_key", apiTLSKey.map { .string($0) })
    }
}

extension VigilConfiguration {
    /// Syslog over TLS, bound and accepting, or `nil` when `syslog.tls` is empty.
    func startTLSIntake(receiver: Receiver, threads: Int, logger: Logger) async throws -> TLSSyslogServer? {
        guard !syslog.tls.isEmpty else { return nil }
        let server = try TLSSyslogServer(
            configuration: .init(
                addresses: try syslog.tls.map { try Ingest.SocketAddress(parsing: $0) },
                credentials: TLSCredentials(certificatePath: syslog.tlsCert, keyPath: syslog.tlsKey, clientCAPath: syslog.tlsClientCA),
                allowedNames: try PeerNameMatcher(syslog.tlsAllowedNames), threads: threads),
            receiver: receiver, logger: logger)
        _ = try await server.start()
        return server
    }

    /// The API's certificate and key when it serves HTTPS.
    var apiTLSCredentials: TLSCredentials? {
        api.tlsCert.isEmpty ? nil : TLSCredentials(certificatePath: api.tlsCert, keyPath: api.tlsKey)
    }
}

/// Syslog over TLS as a service: listed after the receiver, so at shutdown it closes its
/// connections (delivering their frames in progress) before the receiver drains the shards.
/// SIGHUP reloads its certificates and the API's HTTPS one (new connections get them; open ones
/// stay up).
struct TLSIntakeService: Service {
    let server: TLSSyslogServer?
    let apiIdentity: ReloadableServerIdentity?
    let logger: Logger

    func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in hangups {
                server?.reloadCertificates()
                apiIdentity?.reload()
                if server == nil, apiIdentity == nil {
                    logger.info("SIGHUP: no TLS listener, nothing to reload")
                }
            }
        }
        await server?.stop()
    }
}
