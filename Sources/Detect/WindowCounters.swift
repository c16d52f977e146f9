/// Counts for one service over a trailing window, kept as a ring of sub-window buckets so the
/// whole window can be evaluated on every tick rather than only when a window closes.
///
/// A bucket covers one tick (default 10 s); the window is `bucketCount` ticks (default 30 × 10 s
/// = 5 min). Recording is O(1) and allocation-free; buckets that fall out of the window are
/// cleared lazily when time moves past them.
public struct WindowCounters: Sendable {
    private var buckets: [SeverityCounts]
    /// The tick number of the newest bucket (ticks since the epoch).
    public private(set) var newestTick: Int64

    public var bucketCount: Int { buckets.count }

    public init(bucketCount: Int, startingAt tick: Int64) {
        precondition(bucketCount > 0, "a window needs at least one bucket")
        buckets = [SeverityCounts](repeating: SeverityCounts(), count: bucketCount)
        newestTick = tick
    }

    /// Counts one message (or `count`) at `tick`. A tick older than the window is ignored
    /// (returns `false`); a newer one advances the window first.
    @discardableResult
    public mutating func record(severity: Int, at tick: Int64, count: Int = 1) -> Bool {
        advance(to: tick)
        guard tick > newestTick - Int64(buckets.count) else { return false }
        buckets[index(of: tick)].add(severity: severity, count: count)
        return true
    }

    /// Moves the window so that `tick` is the newest bucket, clearing the buckets it passes.
    public mutating func advance(to tick: Int64) {
        guard tick > newestTick else { return }
        let steps = min(Int64(buckets.count), tick - newestTick)
        for offset in 1...steps {
            buckets[index(of: newestTick + offset)] = SeverityCounts()
        }
        newestTick = tick
    }

    /// The sum over the trailing window ending at the newest tick.
    public var trailingWindow: SeverityCounts {
        var sum = SeverityCounts()
        for bucket in buckets { sum.add(bucket) }
        return sum
    }

    /// The sum over the `bucketCount` ticks ending at `tick` (inclusive), without moving the
    /// window. Unlike ``trailingWindow`` it is right for a service that has been silent since its
    /// newest tick: buckets older than `tick`'s window are left out although not yet cleared.
    public func trailingWindow(endingAt tick: Int64) -> SeverityCounts {
        trailingWindow(endingAt: tick, ticks: buckets.count)
    }

    /// The sum over the `ticks` ticks ending at `tick` (inclusive; at most ``bucketCount``): every
    /// window shorter than the ring is summed from the same buckets.
    public func trailingWindow(endingAt tick: Int64, ticks: Int) -> SeverityCounts {
        let count = Int64(min(ticks, buckets.count))
        guard count > 0 else { return SeverityCounts() }
        return counts(ticks: (tick - count + 1)...tick)
    }

    /// The counts of one tick (none when it is outside the ring).
    public func counts(atTick tick: Int64) -> SeverityCounts {
        counts(ticks: tick...tick)
    }

    /// Replaces the counts of `tick` (a newer tick advances the window first; one older than the
    /// window is ignored): for a reader that is given whole ticks rather than single messages.
    public mutating func set(_ counts: SeverityCounts, at tick: Int64) {
        advance(to: tick)
        guard tick > newestTick - Int64(buckets.count) else { return }
        buckets[index(of: tick)] = counts
    }

    /// The sum over the ticks `ticks` (both ends included) that the ring still holds, without
    /// moving the window: the per-minute history reads each tick once, as it ends.
    public func counts(ticks: ClosedRange<Int64>) -> SeverityCounts {
        let lower = max(ticks.lowerBound, newestTick - Int64(buckets.count) + 1)
        let upper = min(ticks.upperBound, newestTick)
        var sum = SeverityCounts()
        guard lower <= upper else { return sum }
        for t in lower...upper { sum.add(buckets[index(of: t)]) }
        return sum
    }

    private func index(of tick: Int64) -> Int {
        let n = Int64(buckets.count)
        return Int(((tick % n) + n) % n)
    }
}
