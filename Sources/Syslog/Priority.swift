/// PRI: facility × 8 + severity, 0…191 (RFC 5424 §6.2.1, RFC 3164 §4.1.1).
public struct Priority: Sendable, Hashable {
    /// The PRI value, 0…191.
    public let value: UInt8

    /// `nil` when `value` is out of range: PRI above 191 is not a priority.
    @inlinable
    public init?(_ value: Int) {
        guard (0...191).contains(value) else { return nil }
        self.value = UInt8(value)
    }

    /// RFC 3164 §4.3.3: a relay that receives a message without PRI assigns 13 (user.notice).
    public static let relayDefault = Priority(13)!

    /// 0 (kern) … 23 (local7).
    @inlinable public var facility: Int { Int(value >> 3) }
    /// 0 (emergency) … 7 (debug). Detection counts severity ≤ 3 as an error.
    @inlinable public var severity: Int { Int(value & 7) }
}
