import CVigilSockets
import Glibc
import Logging
import Syslog
import Synchronization

/// One TCP receive thread: an epoll loop over its own listening sockets (`SO_REUSEPORT`: the
/// kernel spreads new connections over the loops) and the connections it accepted.
///
/// Each readable connection is read into the loop's one buffer and split by its own
/// ``SyslogFrameDecoder``; frames are parsed in place and batched per shard, one hop per shard
/// per loop iteration. When the shards are saturated the loop stops reading — the senders' TCP
/// windows fill and their own queues hold the data — so TCP never drops for lack of room.
final class TCPEventLoop: @unchecked Sendable {
    // All state is touched only by the loop's thread once `run` starts, except `limits`
    // (atomics shared with the other loops, used at accept and close only).
    struct Limits: Sendable {
        var maxConnections: Int
        var maxFrameSize: Int
        var idleTimeoutSeconds: Int
        var readBufferSize: Int
        /// Senders that may connect (`syslog.allow`).
        var allowlist = SourceAllowlist.everyone
        /// Reads per connection per wake-up before others get their turn.
        var readsPerWakeup = 4
    }

    final class Connection {
        let fd: Int32
        let peer: PeerAddress
        var decoder: SyslogFrameDecoder
        var lastActivity: Int64

        init(fd: Int32, peer: PeerAddress, decoder: SyslogFrameDecoder, now: Int64) {
            self.fd = fd
            self.peer = peer
            self.decoder = decoder
            self.lastActivity = now
        }
    }

    private let epoll: Int32
    private let listeners: [TCPListenSocket]
    private var connections: [Int32: Connection] = [:]
    private let limits: Limits
    private let connectionCount: SharedConnectionCount
    private var builder: BatchBuilder
    private let shards: ShardSet
    private let counters: ThreadCounters
    private let readBuffer: UnsafeMutableRawBufferPointer
    private let logger: Logger
    private var lastSweep: Int64 = 0
    private var allowlist: SourceAllowlist { limits.allowlist }

    init(
        listeners: [TCPListenSocket], limits: Limits, connectionCount: SharedConnectionCount, shards: ShardSet,
        parser: SyslogParser, counters: ThreadCounters, logger: Logger
    ) throws(TCPListenSocket.SetupError) {
        epoll = CVigil_epoll_create()
        guard epoll >= 0 else { throw .init(description: "cannot create an epoll instance: \(errnoDescription())") }
        self.listeners = listeners
        self.limits = limits
        self.connectionCount = connectionCount
        self.shards = shards
        self.counters = counters
        self.logger = logger
        readBuffer = .allocate(byteCount: limits.readBufferSize, alignment: 16)
        builder = BatchBuilder(shards: shards, counters: counters, parser: parser, dropsWhenFull: false)
        for listener in listeners {
            guard CVigil_epoll_ctl(epoll, CVigil_EPOLL_CTL_ADD, listener.fd, CVigil_EPOLLIN, UInt64(UInt32(bitPattern: listener.fd))) == 0 else {
                throw .init(description: "cannot watch TCP \(listener.address): \(errnoDescription())")
            }
        }
    }

    deinit {
        for connection in connections.values { close(connection.fd) }
        for listener in listeners { close(listener.fd) }
        close(epoll)
        readBuffer.deallocate()
    }

    func run(until stop: StopFlag) {
        var events = [CVigilEpollEvent](repeating: CVigilEpollEvent(), count: 256)
        while !stop.isSet {
            if shards.isSaturated {
                // Back-pressure: read nothing until the shards catch up.
                usleep(1000)
                continue
            }
            let n = events.withUnsafeMutableBufferPointer { CVigil_epoll_wait(epoll, $0.baseAddress, Int32($0.count), 250) }
            if n < 0 {
                if errno == EINTR { continue }
                logger.error("epoll_wait failed; this TCP thread stops", metadata: ["error": "\(errnoDescription())"])
                return
            }
            let now = wallClockNanoseconds()
            for k in 0..<Int(n) {
                let fd = Int32(bitPattern: UInt32(truncatingIfNeeded: events[k].data))
                if let listener = listeners.first(where: { $0.fd == fd }) {
                    accept(on: listener, now: now)
                } else if let connection = connections[fd] {
                    read(connection, now: now)
                }
            }
            builder.flush()
            if now - lastSweep > 1_000_000_000 {
                closeIdleConnections(now: now)
                lastSweep = now
            }
        }
    }

    private func accept(on listener: TCPListenSocket, now: Int64) {
        while true {
            var address = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutableBytes(of: &address) {
                CVigil_accept_nonblocking(listener.fd, $0.baseAddress!.assumingMemoryBound(to: sockaddr.self), &length)
            }
            guard fd >= 0 else { return }  // EAGAIN: accepted all; other errors: try again next wake-up
            guard allowlist.allowsEveryone || withUnsafeBytes(of: &address, { allowlist.allows(sockaddr: $0.baseAddress!) }) else {
                close(fd)  // before a byte is read: the sender is outside syslog.allow
                counters.refusedConnections.add(1, ordering: .relaxed)
                continue
            }
            guard connectionCount.reserve(max: limits.maxConnections) else {
                close(fd)
                connectionCount.rejected.add(1, ordering: .relaxed)
                continue
            }
            let peer = withUnsafeBytes(of: &address) { PeerAddress($0.baseAddress!) }
            let decoder = SyslogFrameDecoder(mode: .detect, maxFrameSize: limits.maxFrameSize)
            connections[fd] = Connection(fd: fd, peer: peer, decoder: decoder, now: now)
            if CVigil_epoll_ctl(epoll, CVigil_EPOLL_CTL_ADD, fd, CVigil_EPOLLIN | CVigil_EPOLLRDHUP, UInt64(UInt32(bitPattern: fd))) != 0 {
                closeConnection(fd)
            }
        }
    }

    private func read(_ connection: Connection, now: Int64) {
        connection.lastActivity = now
        for _ in 0..<limits.readsPerWakeup {
            let n = Glibc.read(connection.fd, readBuffer.baseAddress, readBuffer.count)
            if n > 0 {
                decode(UnsafeRawBufferPointer(rebasing: readBuffer[0..<n]), from: connection, now: now)
                if n < readBuffer.count { return }  // drained for now
            } else if n == 0 {
                finish(connection, now: now)  // end of stream
                counters.truncatedFrames.publish(connection.decoder.truncatedFrames)
                closeConnection(connection.fd)
                return
            } else {
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return }
                closeConnection(connection.fd)  // reset by peer and the like
                return
            }
        }
    }

    /// One exclusive access to the builder per chunk (not one dynamic check per frame).
    private func decode(_ chunk: UnsafeRawBufferPointer, from connection: Connection, now: Int64) {
        let peer = connection.peer
        Self.withExclusive(&builder) { builder in
            connection.decoder.decode(chunk) { event in Self.handle(event, into: &builder, peer: peer, now: now) }
        }
    }

    /// Ends a connection's stream: a frame still in progress is delivered as far as it came.
    private func finish(_ connection: Connection, now: Int64) {
        let peer = connection.peer
        Self.withExclusive(&builder) { builder in
            connection.decoder.finish { event in Self.handle(event, into: &builder, peer: peer, now: now) }
        }
    }

    @inline(__always)
    private static func withExclusive(_ builder: inout BatchBuilder, _ body: (inout BatchBuilder) -> Void) {
        body(&builder)
    }

    @inline(__always)
    private static func handle(
        _ event: SyslogFrameDecoder.Event, into builder: inout BatchBuilder, peer: PeerAddress, now: Int64
    ) {
        switch event {
        case .frame(let frame), .truncatedFrame(let frame, _):
            builder.add(frame, peer: peer, receivedAt: now)
        case .error(let error):
            builder.rejectFrame(error, peer: peer, receivedAt: now)
        }
    }

    private func closeIdleConnections(now: Int64) {
        let limit = Int64(limits.idleTimeoutSeconds) * 1_000_000_000
        guard limit > 0 else { return }
        for connection in connections.values where now - connection.lastActivity > limit {
            finish(connection, now: now)
            closeConnection(connection.fd)
        }
    }

    private func closeConnection(_ fd: Int32) {
        guard connections.removeValue(forKey: fd) != nil else { return }
        close(fd)  // also removes it from the epoll set
        connectionCount.release()
    }
}

/// The number of open TCP connections across all loops — touched at accept and close only.
final class SharedConnectionCount: Sendable {
    let open = Atomic<Int>(0)
    let accepted = Atomic<Int>(0)
    let rejected = Atomic<Int>(0)

    /// Takes a slot if fewer than `max` are open.
    func reserve(max: Int) -> Bool {
        var current = open.load(ordering: .relaxed)
        while current < max {
            let (exchanged, original) = open.compareExchange(expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged {
                accepted.add(1, ordering: .relaxed)
                return true
            }
            current = original
        }
        return false
    }

    func release() {
        open.subtract(1, ordering: .relaxed)
    }
}

/// A listening TCP socket, non-blocking, with `SO_REUSEPORT` so each loop can have its own.
struct TCPListenSocket: Sendable {
    let fd: Int32
    let address: SocketAddress

    struct SetupError: Error, CustomStringConvertible {
        let description: String
    }

    init(binding address: SocketAddress, backlog: Int32 = 1024) throws(SetupError) {
        let fd = SocketCalls.open(for: address, type: SOCK_STREAM, nonBlocking: true)
        guard fd >= 0 else { throw SetupError(description: "cannot open a TCP socket: \(errnoDescription())") }
        SocketCalls.setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1)
        SocketCalls.setOption(fd, SOL_SOCKET, CVigil_SO_REUSEPORT, 1)
        guard SocketCalls.bind(fd, to: address), listen(fd, backlog) == 0 else {
            let reason = errnoDescription()
            close(fd)
            throw SetupError(description: "cannot listen on TCP \(address): \(reason)")
        }
        self.fd = fd
        self.address = address
    }
}
