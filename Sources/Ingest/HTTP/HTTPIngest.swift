import Glibc
import Synchronization
import Syslog

/// The HTTP transport's door into the shards: batches of messages that arrived as JSON
/// (`POST /logs/ingest`), already turned into RFC 5424 frames by the API, take the same path as
/// a UDP or TCP receive batch — parsed by the same ``SyslogParser``, hashed by service, one hop
/// per shard — so counting, detection and the tap cannot tell them apart but by `transport`.
///
/// Requests arrive on many event-loop threads at once; one mutex around the batch builder keeps
/// its single-owner contract (it is held for one request's parse and hand-off, never across I/O).
/// Submitting never waits for a shard: when the shards are saturated the whole request is
/// refused (``Outcome/saturated``) so the client can retry, instead of piling up memory.
public final class HTTPIngest: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// Queued for the shards: `parsed` messages counted, `failed` kept as parse errors.
        case queued(parsed: Int, failed: Int)
        /// The shards are behind; nothing was queued (counted as dropped, `shard_queue_full`).
        case saturated
    }

    private let builder: Mutex<BatchBuilder>
    let counters: ThreadCounters
    private let shards: ShardSet

    init(shards: ShardSet, parser: SyslogParser) {
        let counters = ThreadCounters(transport: .http)
        self.counters = counters
        self.shards = shards
        self.builder = Mutex(BatchBuilder(shards: shards, counters: counters, parser: parser, dropsWhenFull: false))
    }

    /// Queues `frames` (each one syslog message) received from `peer`. Also counts `rejected`
    /// entries the API refused before they became frames, as parse errors of this transport.
    public func submit(_ frames: [[UInt8]], rejected: Int = 0, peer: SocketAddress?) -> Outcome {
        let total = frames.count + rejected
        guard !shards.isSaturated else {
            counters.received.publish(total)
            counters.droppedShardFull.publish(frames.count)
            counters.parseErrors.publish(rejected)
            return .saturated
        }
        let peer = peer.map(PeerAddress.init) ?? PeerAddress.unknown
        let now = wallClockNanoseconds()
        let parsed = builder.withLock { builder in
            var parsed = 0
            for frame in frames where frame.withUnsafeBytes({ builder.add($0, peer: peer, receivedAt: now) }) {
                parsed += 1
            }
            builder.flush()
            return parsed
        }
        counters.received.publish(rejected)
        counters.parseErrors.publish(rejected)
        return .queued(parsed: parsed, failed: frames.count - parsed)
    }
}

extension PeerAddress {
    init(_ address: SocketAddress) {
        var value = sockaddr_in6()
        withUnsafeMutableBytes(of: &value) { out in
            withUnsafeBytes(of: address.storage) { out.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0.prefix(out.count))) }
        }
        storage = value
    }

    /// For messages whose sender is not known (an HTTP request without a remote address).
    /// (`try!` on a literal that always parses: not an input-driven path.)
    static let unknown = PeerAddress(try! SocketAddress(parsing: "0.0.0.0:0"))
}
