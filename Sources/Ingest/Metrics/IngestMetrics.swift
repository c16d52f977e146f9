/// A point-in-time reading of the receiver's counters, summed over threads and shards.
public struct IngestMetrics: Sendable {
    public var received: [Transport: Int] = [:]
    public var receivedBytes: [Transport: Int] = [:]
    public var parseErrors: [Transport: Int] = [:]
    /// Lost messages by reason: `shard_queue_full` (UDP), `oversize_frame`, `framing_error` (TCP),
    /// `not_allowed` (UDP datagrams from outside `syslog.allow`);
    /// HTTP batches refused while the shards are saturated count as `shard_queue_full` too.
    public var dropped: [String: Int] = [:]
    public var truncatedDatagrams = 0
    public var truncatedFrames = 0
    public var tcpConnections = 0
    public var tcpConnectionsRejected = 0
    public var tcpConnectionsAccepted = 0
    /// Syslog over TLS: open, accepted and refused at the connection limit.
    public var tlsConnections = 0
    public var tlsConnectionsAccepted = 0
    public var tlsConnectionsRejected = 0
    /// Connections (HTTP: requests) refused because the sender is outside `syslog.allow`.
    public var refusedConnections: [Transport: Int] = [:]
    /// Records waiting in shard queues, and how many the shards have counted.
    public var shardBacklog = 0
    public var shardProcessed = 0
    public var services = 0
    /// Messages of services beyond the per-shard cap, counted together.
    public var servicesOverflowedMessages = 0
    /// Per UDP socket: the receive buffer the kernel granted (bytes).
    public var udpReceiveBufferBytes: [Int] = []
    /// UDP sockets' threads plus TCP event loops started (for `/health`).
    public var receiveThreads = 0

    public init() {}
}
