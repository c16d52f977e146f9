/// Stable identifier of a template: 64 bits, printed as 16 lowercase hex digits.
///
/// It is a hash of the masked token sequence of the message that created the template, so the
/// same shape gets the same id in every process, whatever arrived before it, and a template
/// keeps its id when later messages widen it.
public struct TemplateID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var rawValue: UInt64

    public init(rawValue: UInt64) {
        self.rawValue = rawValue
    }

    /// Parses the 16-hex-digit form `description` prints (upper or lower case).
    public init?(_ text: some StringProtocol) {
        guard text.utf8.count == 16, let value = UInt64(text, radix: 16) else { return nil }
        rawValue = value
    }

    public static func < (lhs: TemplateID, rhs: TemplateID) -> Bool {
        lhs.rawValue < rhs.rawValue
    }

    public var description: String {
        withHexDigits { String(decoding: $0, as: UTF8.self) }
    }

    /// Calls `body` with the 16 hex digits, written on the stack (output paths: no `String`).
    public func withHexDigits<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16) { digits in
            let hex: StaticString = "0123456789abcdef"
            var value = rawValue
            for index in stride(from: 15, through: 0, by: -1) {
                digits[index] = hex.utf8Start[Int(value & 0xF)]
                value >>= 4
            }
            return try body(UnsafeRawBufferPointer(digits))
        }
    }
}
