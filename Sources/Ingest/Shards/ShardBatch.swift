import Syslog

/// One parsed message (or parse error) on its way to a shard: positions into its batch's arena
/// plus what counting needs. Plain values, no references: appending one does not allocate.
public struct ShardRecord: Sendable {
    /// The message bytes (the frame or datagram) in ``ShardBatch/arena``.
    public var frame: ByteRange
    /// The service name, relative to `frame`; absent when the message has none or did not parse.
    public var service: ByteRange
    /// `ServiceCounters.hash` of the service name (of the empty name when absent).
    public var serviceHash: UInt64
    public var severity: UInt8
    /// The parse error, when the message did not parse.
    public var error: SyslogParseError?
    /// Receive time, nanoseconds since the epoch (separate from the header's timestamp).
    public var receivedAt: Int64
    public var peer: PeerAddress
    public var transport: Transport
}

/// Messages for one shard from one receive batch, with their bytes copied into one arena.
///
/// Built by a single receive thread, then handed over whole to the shard's queue (the builder
/// keeps no reference): ownership moves, nothing is shared, so `@unchecked Sendable` is sound.
public final class ShardBatch: @unchecked Sendable {
    public private(set) var arena: [UInt8] = []
    public private(set) var records: [ShardRecord] = []

    init(reservingBytes bytes: Int, records count: Int) {
        arena.reserveCapacity(bytes)
        records.reserveCapacity(count)
    }

    public var count: Int { records.count }

    func append(frame: UnsafeRawBufferPointer, record: ShardRecord) {
        var record = record
        record.frame = ByteRange(start: arena.count, end: arena.count + frame.count)
        arena.append(contentsOf: frame)
        records.append(record)
    }

    /// Calls `body` with each record and its message bytes.
    public func forEach(_ body: (ShardRecord, UnsafeRawBufferPointer) -> Void) {
        arena.withUnsafeBytes { arena in
            for record in records {
                body(record, UnsafeRawBufferPointer(rebasing: arena[record.frame.start..<record.frame.end]))
            }
        }
    }
}
