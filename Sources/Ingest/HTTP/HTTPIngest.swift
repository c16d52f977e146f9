import Glibc
import Synchronization
import Syslog

/// The HTTP transports' door into the shards: batches of messages that arrived as JSON
/// (`POST /logs/ingest`, transport `http`) or as journal entries (`POST /upload`, transport
/// `journald`), already turned into RFC 5424 frames by the API, take the same path as
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

    /// An entry the API refused before it became a frame: kept in the error ring with its reason.
    public struct Rejection: Sendable {
        public var reason: String
        /// The entry's index in the request (or its byte offset in the upload).
        public var offset: Int
        /// The entry as received (its first 512 bytes are kept).
        public var raw: [UInt8]

        public init(reason: String, offset: Int, raw: [UInt8] = []) {
            self.reason = reason
            self.offset = offset
            self.raw = raw
        }
    }

    private let builder: Mutex<BatchBuilder>
    let counters: ThreadCounters
    private let shards: ShardSet
    /// Senders allowed to post (`syslog.allow`).
    public let allowlist: SourceAllowlist
    public var transport: Transport { counters.transport }
    /// Whether the shards are over their limit (a streaming upload waits for this to clear).
    public var isSaturated: Bool { shards.isSaturated }

    init(shards: ShardSet, parser: SyslogParser, transport: Transport = .http, configuration: Receiver.Configuration? = nil) {
        let counters = ThreadCounters(transport: transport, errorRingCapacity: configuration?.errorRingCapacity ?? ErrorRing.defaultCapacity)
        self.counters = counters
        self.shards = shards
        self.allowlist = configuration?.allow ?? .everyone
        self.builder = Mutex(BatchBuilder(shards: shards, counters: counters, parser: parser, dropsWhenFull: false))
    }

    /// Whether a request from `peer` may post here; a refusal is counted
    /// (`vigil_refused_connections_total{transport}`). Unknown peers pass only when everyone may.
    public func admits(_ peer: SocketAddress?) -> Bool {
        if allowlist.allowsEveryone { return true }
        if let peer, allowlist.allows(peer) { return true }
        counters.refusedConnections.add(1, ordering: .relaxed)
        return false
    }

    /// Queues `frames` (each one syslog message) received from `peer`. Also counts `rejected`
    /// entries the API refused before they became frames, as parse errors of this transport.
    public func submit(_ frames: [[UInt8]], rejected: Int = 0, peer: SocketAddress?) -> Outcome {
        submit(frames, rejections: [], unrecorded: rejected, peer: peer, countsWhenSaturated: true) ?? .saturated
    }

    /// Queues `frames` received from `peer`; `rejections` are counted as parse errors of this
    /// transport and kept in the error ring.
    public func submit(_ frames: [[UInt8]], rejections: [Rejection], peer: SocketAddress?) -> Outcome {
        submit(frames, rejections: rejections, unrecorded: 0, peer: peer, countsWhenSaturated: true) ?? .saturated
    }

    /// Like ``submit(_:rejections:peer:)``, but when the shards are saturated nothing is queued
    /// *or counted* and the answer is `nil`: a streaming upload waits and offers the same frames
    /// again (lossless back-pressure, as TCP stops reading).
    public func submitUnlessSaturated(_ frames: [[UInt8]], rejections: [Rejection], peer: SocketAddress?) -> Outcome? {
        submit(frames, rejections: rejections, unrecorded: 0, peer: peer, countsWhenSaturated: false)
    }

    private func submit(
        _ frames: [[UInt8]], rejections: [Rejection], unrecorded: Int, peer: SocketAddress?, countsWhenSaturated: Bool
    ) -> Outcome? {
        let rejected = rejections.count + unrecorded
        let total = frames.count + rejected
        guard !shards.isSaturated else {
            guard countsWhenSaturated else { return nil }
            counters.received.publish(total)
            counters.droppedShardFull.publish(frames.count)
            counters.parseErrors.publish(rejected)
            return .saturated
        }
        let peer = peer.map(PeerAddress.init) ?? PeerAddress.unknown
        let now = wallClockNanoseconds()
        for rejection in rejections {
            rejection.raw.withUnsafeBytes {
                counters.errors.record(.text(rejection.reason), offset: rejection.offset, peer: peer, receivedAt: now, message: $0)
            }
        }
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
