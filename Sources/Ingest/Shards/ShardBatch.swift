import Synchronization
import Syslog

/// One parsed message (or parse error) on its way to a shard: positions into its batch's arena
/// plus what counting needs. Plain values, no references: appending one does not allocate.
public struct ShardRecord: Sendable {
    /// The message bytes (the frame or datagram) in the batch's arena.
    public var frame: ByteRange
    /// The service name, relative to `frame`; absent when the message has none or did not parse.
    public var service: ByteRange
    /// The MSG part (what templates are mined from), relative to `frame`; absent when none.
    public var message: ByteRange
    /// `ServiceCounters.hash` of the service name (of the empty name when absent).
    public var serviceHash: UInt64
    /// Receive time, nanoseconds since the epoch (separate from the header's timestamp).
    public var receivedAt: Int64
    public var peer: PeerAddress
    public var severity: UInt8
    /// `false` when the message did not parse (its bytes are kept; re-parse for the reason).
    public var parsed: Bool
    public var transport: Transport
}

/// The storage of a batch: message bytes and records. A value type, so a receive thread appends
/// to it without the runtime exclusivity checks a class property would cost per message.
struct BatchBuffers: Sendable {
    var arena: [UInt8] = []
    var records: [ShardRecord] = []

    init(reservingBytes bytes: Int, records count: Int) {
        arena.reserveCapacity(bytes)
        records.reserveCapacity(count)
    }

    @inline(__always)
    mutating func append(frame: UnsafeRawBufferPointer, record: ShardRecord) {
        var record = record
        record.frame = ByteRange(start: arena.count, end: arena.count + frame.count)
        arena.append(contentsOf: frame)
        records.append(record)
    }

    mutating func removeAll() {
        arena.removeAll(keepingCapacity: true)
        records.removeAll(keepingCapacity: true)
    }
}

/// Messages for one shard from one receive batch, with their bytes copied into one arena.
///
/// Built by a single receive thread, then handed over whole to the shard's queue (the builder
/// keeps no reference): ownership moves, nothing is shared, so `@unchecked Sendable` is sound.
public final class ShardBatch: @unchecked Sendable {
    private(set) var buffers: BatchBuffers
    /// Where the buffers go back when the shard is done, so their memory is reused.
    let pool: BatchPool?

    init(_ buffers: BatchBuffers, pool: BatchPool?) {
        self.buffers = buffers
        self.pool = pool
    }

    public var count: Int { buffers.records.count }
    public var byteCount: Int { buffers.arena.count }

    /// Calls `body` with each record and its message bytes.
    public func forEach(_ body: (ShardRecord, UnsafeRawBufferPointer) -> Void) {
        buffers.arena.withUnsafeBytes { arena in
            for record in buffers.records {
                body(record, UnsafeRawBufferPointer(rebasing: arena[record.frame.start..<record.frame.end]))
            }
        }
    }

    /// Returns the buffers to their pool; the batch is empty afterwards.
    func recycle() {
        guard let pool else { return }
        var buffers = BatchBuffers(reservingBytes: 0, records: 0)
        swap(&buffers, &self.buffers)
        pool.give(buffers)
    }
}

/// Spare batch buffers of one receive thread. Batches are large (tens of kilobytes); allocating
/// fresh ones for every hop costs page faults, so shards hand them back here when done. Touched
/// once per batch by the receive thread and by the shard that finished it — never per message.
final class BatchPool: Sendable {
    private let spare = Mutex<[BatchBuffers]>([])
    private let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    func take() -> BatchBuffers? {
        spare.withLock { $0.popLast() }
    }

    func give(_ buffers: BatchBuffers) {
        var buffers = buffers
        buffers.removeAll()
        spare.withLock { spare in
            if spare.count < limit { spare.append(buffers) }
        }
    }
}
