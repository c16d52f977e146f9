import Synchronization

/// The counters of one receive thread. Only that thread writes them (relaxed atomic adds, once
/// per batch, never contended); the metrics endpoint reads and sums all threads' counters. No
/// counter is shared between receive threads.
final class ThreadCounters: Sendable {
    let transport: Transport
    let received = Atomic<Int>(0)
    let receivedBytes = Atomic<Int>(0)
    let parseErrors = Atomic<Int>(0)
    /// Frames lost to framing: garbage where a frame should start, or larger than the limit.
    let framingErrors = Atomic<Int>(0)
    let oversizeFrames = Atomic<Int>(0)
    /// UDP datagrams cut at the slot size (MSG_TRUNC); still delivered, truncated.
    let truncatedDatagrams = Atomic<Int>(0)
    /// Messages dropped because their shard's queue was full (UDP only: TCP stops reading instead).
    let droppedShardFull = Atomic<Int>(0)
    /// TCP streams that ended inside an octet-counted frame (the partial frame is still delivered).
    let truncatedFrames = Atomic<Int>(0)
    /// Datagrams (or HTTP entries) dropped before parsing: their source is outside `syslog.allow`.
    let droppedNotAllowed = Atomic<Int>(0)
    /// Connections (or HTTP requests) refused: their source is outside `syslog.allow`.
    let refusedConnections = Atomic<Int>(0)
    /// The latest messages this thread could not parse or had to reject (`GET /errors/recent`).
    let errors: ErrorRing

    init(transport: Transport, errorRingCapacity: Int = ErrorRing.defaultCapacity) {
        self.transport = transport
        self.errors = ErrorRing(capacity: errorRingCapacity)
    }
}

extension Atomic where Value == Int {
    /// A relaxed add, skipped for zero: counters are published once per batch.
    @inline(__always)
    func publish(_ value: Int) {
        if value != 0 { add(value, ordering: .relaxed) }
    }
}

/// Where a message came in.
public enum Transport: String, Sendable, CaseIterable {
    case udp
    case tcp
    /// JSON batches posted to `/logs/ingest`.
    case http
    /// Syslog over TLS (RFC 5425), received by the `SecureIngest` module.
    case tls
    /// Journal entries posted by `systemd-journal-upload` to `/upload`.
    case journald
}
