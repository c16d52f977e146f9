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
    private var batches: [ShardBatch?]
    private var received = 0
    private var receivedBytes = 0
    private var parseErrors = 0

    init(shards: ShardSet, counters: ThreadCounters, parser: SyslogParser, dropsWhenFull: Bool) {
        self.shards = shards
        self.counters = counters
        self.parser = parser
        self.dropsWhenFull = dropsWhenFull
        self.batches = [ShardBatch?](repeating: nil, count: shards.shards.count)
    }

    /// Parses one message and queues it for its shard (in this thread's batch, not yet sent).
    mutating func add(_ frame: UnsafeRawBufferPointer, peer: PeerAddress, receivedAt: Int64) {
        received += 1
        receivedBytes += frame.count
        var record = ShardRecord(
            frame: .absent, service: .absent, serviceHash: 0, severity: 0, error: nil,
            receivedAt: receivedAt, peer: peer, transport: counters.transport)
        do {
            let message = try parser.parse(frame)
            let service = message.serviceRange
            record.service = service
            record.severity = UInt8(message.priority.severity)
            record.serviceHash = ServiceCounters.hash(message.view(service) ?? UnsafeRawBufferPointer(start: nil, count: 0))
        } catch {
            parseErrors += 1
            record.error = error
            record.serviceHash = ServiceCounters.hash(UnsafeRawBufferPointer(start: nil, count: 0))
        }
        let shard = shards.shardIndex(forHash: record.serviceHash)
        let batch: ShardBatch
        if let existing = batches[shard] {
            batch = existing
        } else {
            batch = ShardBatch(reservingBytes: 64 * 1024, records: 256)
            batches[shard] = batch
        }
        batch.append(frame: frame, record: record)
    }

    /// Sends every non-empty batch to its shard and publishes this batch's counts.
    mutating func flush() {
        for index in batches.indices {
            guard let batch = batches[index] else { continue }
            batches[index] = nil
            let shard = shards.shards[index]
            if dropsWhenFull, shard.pending.load(ordering: .relaxed) + batch.count > shards.configuration.maxPendingPerShard {
                counters.droppedShardFull.publish(batch.count)
                continue
            }
            shard.submit(batch)
        }
        counters.received.publish(received)
        counters.receivedBytes.publish(receivedBytes)
        counters.parseErrors.publish(parseErrors)
        received = 0
        receivedBytes = 0
        parseErrors = 0
    }
}
