/// The time zone in which timestamps without an offset (RFC 3164, ISO times without a zone) are read.
///
/// A table of UTC offsets and the instants they take effect, so the module needs no Foundation:
/// the executable builds the table from the system's zone database (see `vigil`'s
/// `LocalTimeZone+Foundation.swift`) and the parser does an integer lookup per message.
public struct LocalTimeZone: Sendable, Hashable {
    /// Instants (UTC seconds since the epoch), ascending, at which `offsets[i]` takes effect.
    @usableFromInline let transitionStarts: [Int64]
    /// `offsets[0]` applies before the first transition; `offsets[i + 1]` from `transitionStarts[i]`.
    @usableFromInline let offsets: [Int32]

    public static let utc = LocalTimeZone(fixedOffsetSeconds: 0)

    /// A zone with one offset all year (`+02:00` is 7200).
    public init(fixedOffsetSeconds: Int32) {
        transitionStarts = []
        offsets = [fixedOffsetSeconds]
    }

    /// A zone with daylight-saving or other changes: `initialOffset` before the first transition,
    /// then each transition's offset from its instant on. Transitions need not be sorted.
    public init(initialOffset: Int32, transitions: [(utcStart: Int64, offsetSeconds: Int32)]) {
        let sorted = transitions.sorted { $0.utcStart < $1.utcStart }
        transitionStarts = sorted.map(\.utcStart)
        offsets = [initialOffset] + sorted.map(\.offsetSeconds)
    }

    /// The UTC offset in force at an instant.
    @inlinable
    public func offset(atUTC seconds: Int64) -> Int32 {
        if transitionStarts.isEmpty { return offsets[0] }
        var low = 0
        var high = transitionStarts.count
        while low < high {
            let mid = (low + high) / 2
            if transitionStarts[mid] <= seconds { low = mid + 1 } else { high = mid }
        }
        return offsets[low]
    }

    /// The instant of a local wall-clock time (seconds since the epoch as if it were UTC), and
    /// the offset used. In a gap or an overlap (DST changes) the offset before the change wins,
    /// as `mktime` does with `tm_isdst = -1` on most systems.
    @inlinable
    public func utcSeconds(fromLocal local: Int64) -> (utc: Int64, offset: Int32) {
        let guess = offset(atUTC: local)
        let candidate = local - Int64(guess)
        let actual = offset(atUTC: candidate)
        if actual == guess { return (candidate, guess) }
        let second = local - Int64(actual)
        return offset(atUTC: second) == actual ? (second, actual) : (candidate, guess)
    }
}
