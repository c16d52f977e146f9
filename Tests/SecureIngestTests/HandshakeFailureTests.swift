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
