import Logging
import NIOSSL
import Testing
@testable import SecureIngest

/// Refused handshakes are counted by a reason an operator can act on.
@Suite struct HandshakeFailureTests {
    private struct Stack: Error, CustomStringConvertible {
        let description: String
    }

    @Test(arguments: [
        ("handshakeFailed(sslError([Error: 268435612 error:1000009c:SSL routines:OPENSSL_internal:HTTP_REQUEST]))", HandshakeFailure.notTLS),
        ("handshakeFailed(sslError([Error: 268435708 error:100000fc:SSL routines:OPENSSL_internal:WRONG_VERSION_NUMBER]))", .notTLS),
        ("handshakeFailed(sslError([error:100000c7:SSL routines:OPENSSL_internal:PEER_DID_NOT_RETURN_A_CERTIFICATE]))", .noClientCertificate),
        ("handshakeFailed(sslError([error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED]))", .badCertificate),
        ("handshakeFailed(sslError([error:10000410:SSL routines:OPENSSL_internal:SSLV3_ALERT_HANDSHAKE_FAILURE]))", .other),
        ("handshakeFailed(sslError([error:1000042e:SSL routines:OPENSSL_internal:TLSV1_ALERT_UNKNOWN_CA]))", .serverCertificateRejected),
        ("handshakeFailed(sslError([error:100000f0:SSL routines:OPENSSL_internal:UNSUPPORTED_PROTOCOL]))", .protocolMismatch),
        ("EOF during handshake", .closedDuringHandshake),
    ])
    func errorsAreClassified(text: String, reason: HandshakeFailure) {
        #expect(HandshakeFailure.classify(Stack(description: text), verification: nil) == reason)
    }

    @Test func theVerificationCallbacksFindingWinsForAVerifyFailure() {
        let error = Stack(description: "handshakeFailed(sslError([error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED]))")
        #expect(HandshakeFailure.classify(error, verification: .certificateExpired) == .certificateExpired)
        #expect(HandshakeFailure.classify(error, verification: .unknownCA) == .unknownCA)
    }
}

/// A log handler that keeps the messages it is given.
final class CapturedLog: LogHandler, @unchecked Sendable {
    // Only touched by the test's own thread (the failure log logs synchronously).
    var messages: [String] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        messages.append("\(event.message) \(event.metadata?["peer"].map { "\($0)" } ?? "")")
    }
}

@Suite struct HandshakeFailureLogTests {
    @Test func refusalsAreLoggedOncePerPeerPerMinute() {
        let captured = CapturedLog()
        let log = HandshakeFailureLog(logger: Logger(label: "test") { _ in captured })
        for second in 0..<59 { log.record(.unknownCA, peerHost: "192.0.2.1", detail: "x", now: 1000 + Int64(second)) }
        log.record(.timeout, peerHost: "192.0.2.2", detail: "x", now: 1010)
        #expect(captured.messages.count == 2)
        log.record(.unknownCA, peerHost: "192.0.2.1", detail: "x", now: 1060)
        #expect(captured.messages.count == 3)
        #expect(captured.messages.allSatisfy { $0.hasPrefix("TLS client refused") })
    }
}
