/// A rule stopped matching: every active alert of ``key`` raised by then is resolved at
/// ``resolvedAt``. The detector says *which key* is over; the store knows which alerts that is
/// (the ones it admitted, possibly in an earlier run or another process).
public struct AlertResolution: Sendable, Hashable {
    public var key: AlertKey
    /// The tick (seconds since the epoch) at which the rule had been quiet long enough.
    public var resolvedAt: Int64

    public init(key: AlertKey, resolvedAt: Int64) {
        self.key = key
        self.resolvedAt = resolvedAt
    }
}
