import Testing
@testable import Notify

@Suite struct WebhookSignatureTests {
    /// RFC 4231 test case 2 (HMAC-SHA-256 with key "Jefe").
    @Test func signsAsHMACSHA256InLowercaseHex() {
        let signature = WebhookSignature.sign(Array("what do ya want for nothing?".utf8), secret: "Jefe")
        #expect(signature == "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test func verifiesOnlyTheSameBodyAndSecret() {
        let body = Array(#"{"event":"alert.created"}"#.utf8)
        let signature = WebhookSignature.sign(body, secret: "s3cret")
        #expect(WebhookSignature.verify(signature, body: body, secret: "s3cret"))
        #expect(!WebhookSignature.verify(signature, body: body + [0x20], secret: "s3cret"))
        #expect(!WebhookSignature.verify(signature, body: body, secret: "other"))
        #expect(!WebhookSignature.verify("sha256=00", body: body, secret: "s3cret"))
    }
}
