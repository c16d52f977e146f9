import Synchronization
import Syslog

/// A message that could not be parsed or was rejected, as `GET /errors/recent` shows it.
public struct RejectedMessage: Sendable {
    /// Why: the parser's or the framer's reason, or the HTTP ingest's.
    public var reason: String
    /// Byte offset of the problem: into the message for parse errors, into the stream for framing
    /// errors, the entry's index for rejected HTTP entries.
    public var offset: Int
    public var transport: Transport
    public var peer: SocketAddress
    /// Receive time, nanoseconds since the epoch.
    public var receivedAt: Int64
    /// The first ``ErrorRing/keptBytes`` bytes of the message (empty when there were none to keep,
    /// e.g. a frame skipped for being too large).
    public var bytes: [UInt8]
    /// The whole message's length.
    public var length: Int
}

/// One receive thread's latest rejected messages: a fixed ring of ``capacity`` slots, each
/// keeping the first 512 bytes. Written by its own thread only, read (and merged with the other
/// threads' rings) by `GET /errors/recent`.
///
/// The mutex is this ring's own, never shared between receive threads: the writer takes it once
/// per rejected message — uncontended unless a reader is copying — and copies at most 512 bytes
/// into preallocated storage, so a flood of garbage costs a bounded, allocation-free step per
/// message and memory stays at `capacity × 512` bytes per thread (allocated at the first error).
final class ErrorRing: Sendable {
    static let defaultCapacity = 1000
    static let keptBytes = 512

    /// Why a message was rejected, kept unrendered so recording it does not allocate.
    enum Reason: Sendable {
        case parse(SyslogParseError)
        case framing(FramingError.Kind)
        case text(String)

        var description: String {
            switch self {
            case .parse(let error): error.description
            case .framing(let kind): kind.summary
            case .text(let text): text
            }
        }
    }

    private struct Slot {
        var reason: Reason
        var offset: Int
        var peer: PeerAddress
        var receivedAt: Int64
        var length: Int
        var keptCount: Int
    }

    private struct Storage {
        var slots: [Slot] = []
        /// `capacity × keptBytes`: slot `i`'s bytes start at `i × keptBytes`.
        var bytes: [UInt8] = []
        /// Where the next entry goes once the ring is full.
        var next = 0
    }

    let capacity: Int
    private let storage = Mutex(Storage())

    init(capacity: Int) {
        self.capacity = max(0, capacity)
    }

    func record(_ reason: Reason, offset: Int, peer: PeerAddress, receivedAt: Int64, message: UnsafeRawBufferPointer) {
        guard capacity > 0 else { return }
        let kept = min(message.count, Self.keptBytes)
        let slot = Slot(reason: reason, offset: offset, peer: peer, receivedAt: receivedAt, length: message.count, keptCount: kept)
        storage.withLock { storage in
            if storage.bytes.isEmpty { storage.bytes = [UInt8](repeating: 0, count: capacity * Self.keptBytes) }
            let index: Int
            if storage.slots.count < capacity {
                index = storage.slots.count
                storage.slots.append(slot)
            } else {
                index = storage.next
                storage.slots[index] = slot
                storage.next = (index + 1) % capacity
            }
            if kept > 0 {
                storage.bytes.withUnsafeMutableBytes { bytes in
                    bytes.baseAddress!.advanced(by: index * Self.keptBytes).copyMemory(from: message.baseAddress!, byteCount: kept)
                }
            }
        }
    }

    /// The entries held, oldest first.
    func snapshot(transport: Transport) -> [RejectedMessage] {
        storage.withLock { storage in
            let count = storage.slots.count
            let start = count < capacity ? 0 : storage.next
            return (0..<count).map { step in
                let index = (start + step) % count
                let slot = storage.slots[index]
                let from = index * Self.keptBytes
                return RejectedMessage(
                    reason: slot.reason.description, offset: slot.offset, transport: transport,
                    peer: slot.peer.socketAddress, receivedAt: slot.receivedAt,
                    bytes: Array(storage.bytes[from..<(from + slot.keptCount)]), length: slot.length)
            }
        }
    }
}

extension Sequence where Element == RejectedMessage {
    /// Several threads' entries as one list, newest first, at most `limit`.
    func newestFirst(limit: Int) -> [RejectedMessage] {
        Array(sorted { $0.receivedAt > $1.receivedAt }.prefix(Swift.max(0, limit)))
    }
}
