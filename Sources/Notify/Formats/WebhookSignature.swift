import Crypto

/// The webhook signature, as GitHub signs its webhooks: `sha256=` and the lowercase hex of
/// HMAC-SHA256 over the raw request body, keyed with the shared secret. A receiver recomputes
/// it over the bytes it received and compares in constant time.
public enum WebhookSignature {
    public static let header = "X-Vigil-Signature"

    public static func sign(_ body: [UInt8], secret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8)))
        return "sha256=" + code.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// Whether `signature` is `body`'s under `secret` (constant-time comparison of the codes).
    public static func verify(_ signature: String, body: [UInt8], secret: String) -> Bool {
        let expected = Array(sign(body, secret: secret).utf8)
        let given = Array(signature.utf8)
        guard expected.count == given.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(expected, given) { difference |= a ^ b }
        return difference == 0
    }
}
