import Detect
import Syslog

/// A receive thread's side of the data path: parse each message, hash its service, append it to
/// the batch of its shard; at the end of a receive batch, one hop per shard.
///
/// Owned by exactly one thread — its parser, batches and counters are not shared.
struct BatchBuilder {
    let shards: ShardSet
    let counters: ThreadCounters
    var parser: SyslogParser
    /// UDP drops what a full shard cannot take; TCP (lossless) always submits and pauses reading.
    let dropsWhenFull: Bool
    /// The batch being filled for each shard (empty when nothing is pending for it).
    private var batches: [BatchBuffers]
    private let pool: BatchPool
    private var received = 0
    private var receivedBytes = 0
    private var parseErrors = 0

    init(shards: ShardSet, counters: ThreadCounters, parser: SyslogParser, dropsWhenFull: Bool) {
        self.shards = shards
        self.counters = counters
        self.parser = parser
        self.dropsWhenFull = dropsWhenFull
        self.pool = BatchPool(limit: 4 * shards.shards.count)
        self.batches = (0..<shards.shards.count).map { _ in Self.newBuffers() }
    }

    /// Parses one message and queues it for its shard (in this thread's batch, not yet sent).
    /// Returns whether it parsed (a message that did not is still queued, as a parse error).
    @discardableResult
    mutating func add(_ frame: UnsafeRawBufferPointer, peer: PeerAddress, receivedAt: Int64) -> Bool {
        received += 1
        receivedBytes += frame.count
        var record = ShardRecord(
            frame: .absent, service: .absent, message: .absent, serviceHash: Self.emptyNameHash, receivedAt: receivedAt, peer: peer,
            severity: 0, parsed: false, transport: counters.transport)
        do throws(SyslogParseError) {
            let message = try parser.parse(frame)
            let service = message.serviceRange
            record.service = service
            record.message = message.messageRange
            record.severity = UInt8(message.priority.severity)
            record.parsed = true
            if let name = message.view(service) { record.serviceHash = ServiceCounters.hash(name) }
        } catch {
            parseErrors += 1
            counters.errors.record(.parse(error), offset: error.offset, peer: peer, receivedAt: receivedAt, message: frame)
        }
        batches[shards.shardIndex(forHash: record.serviceHash)].append(frame: frame, record: record)
        return record.parsed
    }

    /// A stream's framing error: counted (oversize or framing) and kept in the error ring. The
    /// frame's bytes were not kept by the decoder (it skips them), so only the reason and the
    /// stream offset are.
    func rejectFrame(_ error: FramingError, peer: PeerAddress, receivedAt: Int64) {
        if error.kind == .oversize {
            counters.oversizeFrames.publish(1)
        } else {
            counters.framingErrors.publish(1)
        }
        counters.errors.record(.framing(error.kind), offset: error.offset, peer: peer, receivedAt: receivedAt,
                               message: UnsafeRawBufferPointer(start: nil, count: 0))
    }

    private static let emptyNameHash = ServiceCounters.hash(UnsafeRawBufferPointer(start: nil, count: 0))

    private static func newBuffers() -> BatchBuffers {
        BatchBuffers(reservingBytes: 64 * 1024, records: 512)
    }

    /// Sends every non-empty batch to its shard and publishes this batch's counts.
    mutating func flush() {
        for index in batches.indices where !batches[index].records.isEmpty {
            let shard = shards.shards[index]
            let count = batches[index].records.count
            if dropsWhenFull, shard.pending.load(ordering: .relaxed) + count > shards.configuration.maxPendingPerShard {
                counters.droppedShardFull.publish(count)
                batches[index].removeAll()
                continue
            }
            var full = pool.take() ?? Self.newBuffers()
            swap(&full, &batches[index])
            shard.submit(ShardBatch(full, pool: pool))
        }
        counters.received.publish(received)
        counters.receivedBytes.publish(receivedBytes)
        counters.parseErrors.publish(parseErrors)
        received = 0
        receivedBytes = 0
        parseErrors = 0
    }
}
