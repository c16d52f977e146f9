import Glibc
import Logging
import Metrics
import NIOSSL
import Synchronization

/// Why a TLS client was refused: the `reason` label of `vigil_tls_handshake_failures_total`.
public enum HandshakeFailure: String, Sendable, CaseIterable {
    /// Mutual TLS is on and the client sent no certificate.
    case noClientCertificate = "no_client_certificate"
    /// The client's certificate does not chain to `syslog.tls_client_ca` (another CA, self-signed).
    case unknownCA = "unknown_ca"
    case certificateExpired = "certificate_expired"
    case certificateNotYetValid = "certificate_not_yet_valid"
    /// Another verification failure (bad signature, wrong key usage…).
    case badCertificate = "bad_certificate"
    /// The certificate is valid but none of its names is in `syslog.tls_allowed_names`.
    case nameNotAllowed = "name_not_allowed"
    /// Not TLS at all: plain syslog, HTTP or garbage sent to the TLS port.
    case notTLS = "not_tls"
    /// No common protocol version, cipher or group (e.g. a TLS 1.0-only client).
    case protocolMismatch = "protocol_mismatch"
    /// The client refused *our* certificate (it does not trust the server's CA or name).
    case serverCertificateRejected = "server_certificate_rejected"
    /// The handshake did not finish within the handshake timeout (a slow or stalled client).
    case timeout
    /// The client closed the connection before the handshake finished.
    case closedDuringHandshake = "closed_during_handshake"
    case other

    /// Classifies a handshake error from BoringSSL's error stack; `verification` is what the
    /// certificate verification callback saw, when it failed.
    static func classify(_ error: any Error, verification: HandshakeFailure?) -> HandshakeFailure {
        let text = String(describing: error).uppercased()
        if text.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE") { return .noClientCertificate }
        if text.contains("CERTIFICATE_VERIFY_FAILED") { return verification ?? .badCertificate }
        if let verification { return verification }
        for marker in ["WRONG_VERSION_NUMBER", "HTTP_REQUEST", "HTTPS_PROXY_REQUEST", "UNKNOWN_PROTOCOL", "PACKET_LENGTH_TOO_LONG",
                       "RECORD_LENGTH_MISMATCH", "WRONG_VERSION", "DECODE_ERROR", "ENCRYPTED_LENGTH_TOO_LONG"]
        where text.contains(marker) {
            return .notTLS
        }
        for marker in ["UNSUPPORTED_PROTOCOL", "NO_SHARED_CIPHER", "NO_SHARED_GROUP", "PROTOCOL_VERSION", "NO_CIPHERS"] where text.contains(marker) {
            return .protocolMismatch
        }
        for marker in ["ALERT_UNKNOWN_CA", "ALERT_BAD_CERTIFICATE", "ALERT_CERTIFICATE", "ALERT_UNSUPPORTED_CERTIFICATE", "ALERT_ACCESS_DENIED"]
        where text.contains(marker) {
            return .serverCertificateRejected
        }
        if text.contains("EOF") || text.contains("UNCLEANSHUTDOWN") || text.contains("CONNECTION RESET") { return .closedDuringHandshake }
        return .other
    }

    /// What the verification callback concludes about a certificate BoringSSL failed.
    static func verificationFailure(of certificate: NIOSSLCertificate, now: time_t = time(nil)) -> HandshakeFailure {
        if certificate.notValidAfter < now { return .certificateExpired }
        if certificate.notValidBefore > now { return .certificateNotYetValid }
        return .unknownCA
    }
}

/// Counts refused handshakes by reason and logs them once per peer address per minute, never per
/// attempt — a scanner or a misconfigured fleet retrying every second must not flood the log.
/// Touched on refusals only, never on the data path.
final class HandshakeFailureLog: Sendable {
    private let logger: Logger
    private let counters: [HandshakeFailure: Counter]
    /// Last time (seconds) each peer host was logged.
    private let lastLogged = Mutex<[String: Int64]>([:])
    static let interval: Int64 = 60
    /// Peers remembered before the table is pruned (bounds memory under a scan).
    static let maxPeers = 10_000

    init(logger: Logger) {
        self.logger = logger
        var counters: [HandshakeFailure: Counter] = [:]
        for reason in HandshakeFailure.allCases {
            counters[reason] = Counter(label: "vigil_tls_handshake_failures_total", dimensions: [("reason", reason.rawValue)])
        }
        self.counters = counters
    }

    func record(_ reason: HandshakeFailure, peerHost: String, detail: String, now: Int64 = Int64(time(nil))) {
        counters[reason]?.increment()
        let shouldLog = lastLogged.withLock { table in
            if let last = table[peerHost], now - last < Self.interval { return false }
            if table.count >= Self.maxPeers {
                table = table.filter { now - $0.value < Self.interval }
                if table.count >= Self.maxPeers { table.removeAll() }
            }
            table[peerHost] = now
            return true
        }
        if shouldLog {
            logger.warning("TLS client refused (logged once per peer per minute)", metadata: [
                "peer": "\(peerHost)", "reason": "\(reason.rawValue)", "detail": "\(detail)",
            ])
        }
    }
}
