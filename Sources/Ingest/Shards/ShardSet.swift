import Detect
import Dispatch
import Synchronization

/// The shards: each a serial `DispatchQueue` that owns the per-service window counters of the
/// services hashed to it. Receive threads group each batch by shard and make one hop per shard
/// per batch; no lock is shared between receive threads, and a service's counters are only ever
/// touched on its shard's queue.
public final class ShardSet: Sendable {
    public struct Configuration: Sendable {
        public var shardCount: Int
        /// Records a shard may have queued; above it UDP drops (counted) and TCP stops reading.
        public var maxPendingPerShard: Int
        /// Window counters: tick length and ticks per window. The window is detection's longest:
        /// the ring must hold every tick of it (for `/services`), and detection reads each tick's
        /// bucket from it (``ShardSet/serviceCounts(atTick:)``).
        public var tickNanoseconds: Int64
        public var bucketsPerWindow: Int
        /// Services tracked per shard before further ones are counted together (cardinality cap).
        public var maxServicesPerShard: Int
        /// Template mining in the shards; `nil` turns it off.
        public var templates: TemplateTracker.Configuration?
        /// Messages at this syslog severity or more severe are mined (7 mines everything).
        public var mineUpToSeverity: Int = 7

        public init(
            shardCount: Int = 4, maxPendingPerShard: Int = 262_144, tickSeconds: Int = 10, windowSeconds: Int = 300,
            maxServicesPerShard: Int = 10_000
        ) {
            self.maxServicesPerShard = max(1, maxServicesPerShard)
            self.shardCount = max(1, shardCount)
            self.maxPendingPerShard = max(1, maxPendingPerShard)
            self.tickNanoseconds = Int64(max(1, tickSeconds)) * 1_000_000_000
            self.bucketsPerWindow = max(1, windowSeconds / max(1, tickSeconds))
            self.templates = TemplateTracker.Configuration(tickSeconds: Int64(tickSeconds), bucketsPerWindow: bucketsPerWindow)
        }
    }

    let shards: [Shard]
    public let configuration: Configuration

    public init(configuration: Configuration = .init(), observer: (any ShardObserver)? = nil) {
        self.configuration = configuration
        shards = (0..<configuration.shardCount).map {
            Shard(index: $0, configuration: configuration, observer: observer)
        }
    }

    @inline(__always)
    func shardIndex(forHash hash: UInt64) -> Int {
        Int(hash % UInt64(shards.count))
    }

    /// Whether any shard is over its limit: TCP readers pause until this clears.
    var isSaturated: Bool {
        shards.contains { $0.pending.load(ordering: .relaxed) >= configuration.maxPendingPerShard }
    }

    /// Records queued but not yet counted, all shards.
    public var backlog: Int { shards.reduce(0) { $0 + $1.pending.load(ordering: .relaxed) } }
    public var processed: Int { shards.reduce(0) { $0 + $1.processed.load(ordering: .relaxed) } }
    public var serviceCount: Int { shards.reduce(0) { $0 + $1.serviceCount.load(ordering: .relaxed) } }
    /// Messages counted under the overflow entry because a shard's service table was full.
    public var overflowedMessages: Int { shards.reduce(0) { $0 + $1.overflowed.load(ordering: .relaxed) } }

    /// Waits until every batch submitted so far has been counted.
    public func drain() {
        for shard in shards { shard.queue.sync {} }
    }

    /// The templates' side of the trailing window ending with tick `lastTick`, every shard's.
    public func templateWindow(endingAtTick lastTick: Int64) -> TemplateWindow {
        var window = TemplateWindow()
        for shard in shards {
            shard.queue.sync {
                if let part = shard.state.templates?.window(endingAtTick: lastTick) { window.merge(part) }
            }
        }
        return window
    }

    /// Every shard's templates, for the store; also forgets the bookkeeping of evicted templates
    /// not seen since `pruneBefore` (seconds).
    public func persistentTemplates(pruneBefore: Int64? = nil) -> [PersistentTemplate] {
        if let pruneBefore { pruneTemplates(notSeenSince: pruneBefore) }
        return shards.flatMap { shard in shard.queue.sync { shard.state.templates?.persistentTemplates ?? [] } }
    }

    /// Forgets, in every shard, the bookkeeping of evicted templates not seen since `seconds`:
    /// for a process whose templates another one stores (a cluster member), so that its memory
    /// still follows the miners' caps.
    public func pruneTemplates(notSeenSince seconds: Int64) {
        for shard in shards {
            shard.queue.sync { shard.state.templates?.prune(notSeenSince: seconds) }
        }
    }

    /// Gives each shard the saved templates of the services it owns (before receiving starts).
    public func restore(_ templates: [PersistentTemplate]) {
        let byShard = Dictionary(grouping: templates) { template in
            shardIndex(forHash: ServiceCounters.hash(template.service))
        }
        for (index, saved) in byShard {
            shards[index].queue.sync { shards[index].state.templates?.restore(saved) }
        }
    }

    /// Templates known and evicted, all shards (for /metrics).
    public var templateCounts: (known: Int, evicted: Int) {
        shards.reduce((0, 0)) { sum, shard in
            (sum.0 + shard.templatesKnown.load(ordering: .relaxed), sum.1 + shard.templatesEvicted.load(ordering: .relaxed))
        }
    }

    /// The trailing-window counts of every service, read on each shard's queue: the window
    /// ending with tick `lastTick` (`[lastTick − window + 1, lastTick]`), or with each service's
    /// newest tick when `nil`.
    public func serviceSnapshot(endingAtTick lastTick: Int64? = nil) -> [(service: String, counts: SeverityCounts)] {
        shards.flatMap { shard in
            shard.queue.sync {
                shard.state.counters.entries.map { entry in
                    let counts = lastTick.map { entry.counters.trailingWindow(endingAt: $0) } ?? entry.counters.trailingWindow
                    return (String(decoding: entry.name, as: UTF8.self), counts)
                }
            }
        }
    }
}

extension ShardSet {
    /// Every service's counts in the one tick `tick` (ticks since the epoch), read on each
    /// shard's queue: what detection is given at each tick boundary (``Detector/observe(tick:counts:)``),
    /// every window's sum then taken from these same buckets. Services silent in that tick are left
    /// out; a tick older than the ring has nothing.
    public func serviceCounts(atTick tick: Int64) -> [(service: String, counts: SeverityCounts)] {
        shards.flatMap { shard in
            shard.queue.sync {
                shard.state.counters.entries.compactMap { entry in
                    let counts = entry.counters.counts(atTick: tick)
                    return counts.total > 0 ? (String(decoding: entry.name, as: UTF8.self), counts) : nil
                }
            }
        }
    }
}

/// A service as `/services` shows it: its counts over the trailing window and the tick it was
/// last heard in.
public struct ServiceActivity: Sendable {
    public var service: String
    public var counts: SeverityCounts
    /// The newest tick (ticks since the epoch) with a message of this service.
    public var lastSeenTick: Int64

    public init(service: String, counts: SeverityCounts, lastSeenTick: Int64) {
        self.service = service
        self.counts = counts
        self.lastSeenTick = lastSeenTick
    }
}

extension ShardSet {
    /// Every service's counts over the window ending with tick `lastTick`, and when it was last
    /// seen — read on each shard's queue, like ``serviceSnapshot(endingAtTick:)``.
    public func serviceActivity(endingAtTick lastTick: Int64) -> [ServiceActivity] {
        shards.flatMap { shard in
            shard.queue.sync {
                shard.state.counters.entries.map { entry in
                    ServiceActivity(
                        service: String(decoding: entry.name, as: UTF8.self),
                        counts: entry.counters.trailingWindow(endingAt: lastTick),
                        lastSeenTick: entry.counters.newestTick)
                }
            }
        }
    }
}

/// One shard. `state` is only touched on `queue` — that confinement is what makes the
/// `@unchecked Sendable` sound.
final class Shard: @unchecked Sendable {
    final class State {
        var counters: ServiceCounters
        var templates: TemplateTracker?
        init(counters: ServiceCounters, templates: TemplateTracker?) {
            self.counters = counters
            self.templates = templates
        }

        /// Both parts as `inout` for a whole batch: one exclusivity check per batch, where
        /// touching the properties per record cost two dynamic checks per message.
        func withParts<Result>(_ body: (inout ServiceCounters, inout TemplateTracker?) -> Result) -> Result {
            body(&counters, &templates)
        }
    }

    let index: Int
    let queue: DispatchQueue
    let state: State
    let pending = Atomic<Int>(0)
    let processed = Atomic<Int>(0)
    let serviceCount = Atomic<Int>(0)
    let overflowed = Atomic<Int>(0)
    let templatesKnown = Atomic<Int>(0)
    let templatesEvicted = Atomic<Int>(0)
    private let tickNanoseconds: Int64
    private let mineUpToSeverity: UInt8
    private let observer: (any ShardObserver)?

    init(index: Int, configuration: ShardSet.Configuration, observer: (any ShardObserver)?) {
        self.index = index
        self.queue = DispatchQueue(label: "vigil.shard.\(index)")
        self.state = State(counters: ServiceCounters(
            bucketCount: configuration.bucketsPerWindow, maxServices: configuration.maxServicesPerShard),
            templates: configuration.templates.map(TemplateTracker.init))
        self.tickNanoseconds = configuration.tickNanoseconds
        self.mineUpToSeverity = UInt8(clamping: configuration.mineUpToSeverity)
        self.observer = observer
    }

    /// Queues a batch: one Dispatch hop for all its records.
    func submit(_ batch: ShardBatch) {
        pending.add(batch.count, ordering: .relaxed)
        queue.async { self.count(batch) }
    }

    private func count(_ batch: ShardBatch) {
        let tickNanoseconds = tickNanoseconds
        let mineUpToSeverity = mineUpToSeverity
        state.withParts { counters, templates in
            // Records of one read share a receive time: divide once per time, not per record.
            var lastReceivedAt = Int64.min
            var tick: Int64 = 0
            var second: Int64 = 0
            batch.forEach { record, frame in
                guard record.parsed else { return }
                if record.receivedAt != lastReceivedAt {
                    lastReceivedAt = record.receivedAt
                    tick = lastReceivedAt / tickNanoseconds
                    second = lastReceivedAt / 1_000_000_000
                }
                let name = record.service.isPresent
                    ? UnsafeRawBufferPointer(rebasing: frame[record.service.start..<record.service.end])
                    : UnsafeRawBufferPointer(start: nil, count: 0)
                counters.record(service: name, hash: record.serviceHash, severity: Int(record.severity), at: tick)
                if record.message.isPresent, record.severity <= mineUpToSeverity, templates != nil {
                    templates!.record(
                        service: name, hash: record.serviceHash,
                        message: UnsafeRawBufferPointer(rebasing: frame[record.message.start..<record.message.end]),
                        severity: Int(record.severity), atSeconds: second)
                }
            }
        }
        serviceCount.store(state.counters.entries.count, ordering: .relaxed)
        if let templates = state.templates {
            templatesKnown.store(templates.templateCount, ordering: .relaxed)
            templatesEvicted.store(templates.evictedCount, ordering: .relaxed)
        }
        overflowed.store(state.counters.overflowedMessages, ordering: .relaxed)
        observer?.shard(index, didCount: batch)
        let count = batch.count
        batch.recycle()
        processed.add(count, ordering: .relaxed)
        pending.subtract(count, ordering: .relaxed)
    }
}
