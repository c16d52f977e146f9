import Syslog

/// The seam for byte-stream transports received outside this module's epoll loops — syslog over
/// TLS on SwiftNIO (`SecureIngest`). Each of that transport's event-loop threads owns one intake:
/// decrypted bytes go through the same frame decoder, parser, batching and shards as TCP, with the
/// same limits, counters, allowlist and error ring, and the same lossless back-pressure (the owner
/// stops reading while ``isSaturated``).
///
/// Confined to its owner's thread (the event loop it was handed to): its batch builder and
/// decoders are never touched from elsewhere, which is why `@unchecked Sendable` is sound — the
/// only state shared with other threads is atomics (counters, the connection count).
public final class StreamIntake: @unchecked Sendable {
    /// One connection's framing state and sender.
    public struct Connection {
        var decoder: SyslogFrameDecoder
        let peer: PeerAddress

        /// The sender, for logs.
        public var peerAddress: SocketAddress { peer.socketAddress }
    }

    public let transport: Transport
    /// Who may connect (`syslog.allow`).
    public let allowlist: SourceAllowlist
    public let maxConnections: Int
    public let maxFrameSize: Int
    public let idleTimeoutSeconds: Int
    let counters: ThreadCounters
    private let connectionCount: SharedConnectionCount
    private var builder: BatchBuilder
    private var pendingFrames = 0

    init(
        transport: Transport, shards: ShardSet, parser: SyslogParser, counters: ThreadCounters,
        connectionCount: SharedConnectionCount, limits: Receiver.Configuration
    ) {
        self.transport = transport
        self.counters = counters
        self.connectionCount = connectionCount
        self.allowlist = limits.allow
        self.maxConnections = limits.maxTCPConnections
        self.maxFrameSize = limits.maxMessageSize
        self.idleTimeoutSeconds = limits.tcpIdleTimeoutSeconds
        self.builder = BatchBuilder(shards: shards, counters: counters, parser: parser, dropsWhenFull: false)
    }

    /// Admits a new connection from `peer` (a `sockaddr_in`/`sockaddr_in6`), or says why not:
    /// the sender is outside the allowlist (counted in `vigil_refused_connections_total`), or the
    /// connection limit is reached (counted as rejected). The caller closes refused connections.
    public func admit(peer: UnsafeRawPointer) -> Admission {
        guard allowlist.allows(sockaddr: peer) else {
            counters.refusedConnections.add(1, ordering: .relaxed)
            return .notAllowed
        }
        guard connectionCount.reserve(max: maxConnections) else {
            connectionCount.rejected.add(1, ordering: .relaxed)
            return .overLimit
        }
        return .admitted(Connection(decoder: SyslogFrameDecoder(mode: .detect, maxFrameSize: maxFrameSize), peer: PeerAddress(peer)))
    }

    public enum Admission {
        case admitted(Connection)
        case notAllowed
        case overLimit
    }

    /// Feeds the connection's next bytes (plaintext); complete frames are parsed and batched.
    public func receive(_ bytes: UnsafeRawBufferPointer, on connection: inout Connection) {
        let now = wallClockNanoseconds()
        let peer = connection.peer
        connection.decoder.decode(bytes) { event in handle(event, peer: peer, now: now) }
    }

    /// The stream ended (closed, reset or timed out): a frame in progress is delivered as far as
    /// it came, as TCP does — unless `deliverPending` is false (a client refused after it was
    /// admitted, whose bytes must not count). Frees the connection's slot; call exactly once per
    /// admitted connection.
    public func close(_ connection: inout Connection, deliverPending: Bool = true) {
        if deliverPending {
            let now = wallClockNanoseconds()
            let peer = connection.peer
            connection.decoder.finish { event in handle(event, peer: peer, now: now) }
            counters.truncatedFrames.publish(connection.decoder.truncatedFrames)
        }
        connectionCount.release()
        flush()
    }

    /// Hands what was batched to the shards (once per read burst, not per frame).
    public func flush() {
        guard pendingFrames > 0 else { return }
        builder.flush()
        pendingFrames = 0
    }

    /// Whether the shards are over their limit: stop reading until it clears (lossless, like TCP).
    public var isSaturated: Bool { builder.shards.isSaturated }

    private func handle(_ event: SyslogFrameDecoder.Event, peer: PeerAddress, now: Int64) {
        switch event {
        case .frame(let frame), .truncatedFrame(let frame, _):
            builder.add(frame, peer: peer, receivedAt: now)
            pendingFrames += 1
        case .error(let error):
            builder.rejectFrame(error, peer: peer, receivedAt: now)
        }
    }
}
