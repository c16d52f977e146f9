/// Occurrences per tick over one window, as a ring: the per-template counterpart of
/// ``WindowCounters`` with one number per bucket instead of eight severities, because a
/// service may have hundreds of templates.
struct TickCounts: Sendable, Hashable {
    private var buckets: [UInt32]
    /// The tick whose bucket was written last; buckets of older ticks are reused as time moves on.
    private var newestTick: Int64
    /// The bucket of `newestTick` (a function of it, kept to save a division per message).
    private var newestSlot: Int

    init(bucketCount: Int, tick: Int64) {
        buckets = Array(repeating: 0, count: max(1, bucketCount))
        newestTick = tick
        newestSlot = Int(Detector.floorMod(tick, Int64(max(1, bucketCount))))
    }

    mutating func add(at tick: Int64) {
        if tick == newestTick {
            buckets[newestSlot] &+= 1  // the usual case: no division per message
            return
        }
        advance(to: tick)
        let age = newestTick - tick
        guard age >= 0, age < Int64(buckets.count) else { return }  // older than the window
        let slot = Int(Detector.floorMod(tick, Int64(buckets.count)))
        buckets[slot] &+= 1
    }

    /// Occurrences in the window ending with `tick` (inclusive).
    func trailingWindow(endingAt tick: Int64) -> Int {
        let size = Int64(buckets.count)
        var sum = 0
        let first = max(tick - size + 1, newestTick - size + 1)
        guard first <= min(tick, newestTick) else { return 0 }
        for t in first...min(tick, newestTick) {
            sum += Int(buckets[Int(Detector.floorMod(t, size))])
        }
        return sum
    }

    /// Occurrences in the one tick `tick` (none when it is outside the ring).
    func count(atTick tick: Int64) -> Int {
        guard tick <= newestTick, tick > newestTick - Int64(buckets.count) else { return 0 }
        return Int(buckets[Int(Detector.floorMod(tick, Int64(buckets.count)))])
    }

    /// Adds `other`'s occurrences (a template folded into this one).
    mutating func merge(_ other: TickCounts) {
        advance(to: other.newestTick)
        let size = Int64(buckets.count)
        let first = max(newestTick - size + 1, other.newestTick - Int64(other.buckets.count) + 1)
        guard first <= other.newestTick else { return }
        for t in first...other.newestTick {
            buckets[Int(Detector.floorMod(t, size))] &+= other.buckets[Int(Detector.floorMod(t, Int64(other.buckets.count)))]
        }
    }

    private mutating func advance(to tick: Int64) {
        guard tick > newestTick else { return }
        let size = Int64(buckets.count)
        if tick - newestTick >= size {
            for index in buckets.indices { buckets[index] = 0 }
        } else {
            var t = newestTick + 1
            while t <= tick {
                buckets[Int(Detector.floorMod(t, size))] = 0
                t += 1
            }
        }
        newestTick = tick
        newestSlot = Int(Detector.floorMod(tick, size))
    }
}
