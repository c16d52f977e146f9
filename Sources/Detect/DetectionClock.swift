#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where detection gets "now" from.
///
/// Named `DetectionClock`, not `Clock`, because the standard library's `Clock` (the one behind
/// `ContinuousClock`) would otherwise be shadowed in every file that imports `Detect`.
/// Serving uses ``WallClock``; replays use ``ReplayClock`` so that the same log always gives the
/// same alerts, whatever the machine's time.
public protocol DetectionClock: Sendable {
    /// Nanoseconds since 1970-01-01T00:00:00Z.
    var nanosecondsSinceEpoch: Int64 { get }
}

extension DetectionClock {
    /// Whole seconds since the epoch (floor), the unit detection works in.
    public var secondsSinceEpoch: Int64 {
        let (quotient, remainder) = nanosecondsSinceEpoch.quotientAndRemainder(dividingBy: 1_000_000_000)
        return remainder < 0 ? quotient - 1 : quotient
    }
}

/// The system's real-time clock (`CLOCK_REALTIME`), read without Foundation.
public struct WallClock: DetectionClock {
    public init() {}

    public var nanosecondsSinceEpoch: Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }
}

/// Time as the replayed messages tell it: the newest timestamp seen so far.
///
/// It only moves forward, so one message with a slightly older timestamp (logs interleave) does
/// not turn the clock back and re-open windows that were already judged. Also serves as the
/// manual clock in tests.
public struct ReplayClock: DetectionClock {
    public private(set) var nanosecondsSinceEpoch: Int64

    public init(nanosecondsSinceEpoch: Int64 = .min) {
        self.nanosecondsSinceEpoch = nanosecondsSinceEpoch
    }

    public init(secondsSinceEpoch: Int64) {
        self.nanosecondsSinceEpoch = secondsSinceEpoch * 1_000_000_000
    }

    /// Moves to `nanoseconds` if that is later than now.
    public mutating func advance(toNanoseconds nanoseconds: Int64) {
        nanosecondsSinceEpoch = max(nanosecondsSinceEpoch, nanoseconds)
    }

    /// Moves forward by `seconds`.
    public mutating func advance(bySeconds seconds: Int64) {
        nanosecondsSinceEpoch += seconds * 1_000_000_000
    }
}
