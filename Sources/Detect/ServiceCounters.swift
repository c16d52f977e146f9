import Patterns

/// Per-service window counters for one shard, looked up by the service name's bytes.
///
/// A shard receives messages whose service names are views into a receive buffer; looking them
/// up must not allocate. The table is keyed by a 64-bit hash of the name (computed once, on the
/// receive thread, and also used to pick the shard) and verifies the bytes, so a `String` or
/// array is created only the first time a service is seen.
public struct ServiceCounters: Sendable {
    public struct Entry: Sendable {
        public let name: [UInt8]
        public var counters: WindowCounters
        /// The next entry with the same hash (collisions are rare but handled).
        fileprivate var nextWithSameHash: Int?
    }

    public private(set) var entries: [Entry] = []
    /// Name hash → index of the newest entry with that hash (`HashIndex`: the hash is one already,
    /// so no SipHash per message).
    private var firstByHash = HashIndex()
    public let bucketCount: Int
    /// At most this many services are tracked: garbage or a misconfigured sender must not grow
    /// the table without bound. Messages of further services are counted under ``overflowName``.
    public let maxServices: Int
    /// Messages counted under ``overflowName`` because the table was full.
    public private(set) var overflowedMessages = 0

    public static let overflowName = Array("(other services)".utf8)

    public init(bucketCount: Int, maxServices: Int = 10_000) {
        self.bucketCount = bucketCount
        self.maxServices = max(1, maxServices)
    }

    /// Counts a message for the service named by `name` (with `hash == ServiceCounters.hash(name)`).
    public mutating func record(service name: UnsafeRawBufferPointer, hash: UInt64, severity: Int, at tick: Int64) {
        var candidate = firstByHash[hash].map { Int(truncatingIfNeeded: $0) }
        while let index = candidate {
            if entries[index].name.withUnsafeBytes({ ByteComparison.equal($0, name) }) {
                entries[index].counters.record(severity: severity, at: tick)
                return
            }
            candidate = entries[index].nextWithSameHash
        }
        if entries.count >= maxServices, !name.elementsEqual(Self.overflowName) {
            overflowedMessages += 1
            Self.overflowName.withUnsafeBytes { overflow in
                record(service: overflow, hash: Self.hash(overflow), severity: severity, at: tick)
            }
            return
        }
        var counters = WindowCounters(bucketCount: bucketCount, startingAt: tick)
        counters.record(severity: severity, at: tick)
        entries.append(Entry(name: Array(name), counters: counters,
                             nextWithSameHash: firstByHash[hash].map { Int(truncatingIfNeeded: $0) }))
        firstByHash.set(hash, UInt64(entries.count - 1))
    }

    /// ``hash(_:)`` of a name held as a `String` (replays, restores, tests).
    public static func hash(_ name: String) -> UInt64 {
        var name = name
        return name.withUTF8 { hash(UnsafeRawBufferPointer($0)) }
    }

    /// Never persisted: it picks a shard and a table slot (eight bytes per multiply).
    public static func hash(_ name: UnsafeRawBufferPointer) -> UInt64 {
        WordHash.hash(name, seed: 0xcbf2_9ce4_8422_2325)
    }
}
