import Glibc
import Logging
import Syslog
import Synchronization

/// The syslog receiver: UDP and TCP receive threads feeding the shards.
///
/// Start-up binds every socket first (so a bad address fails before anything runs), then starts
/// one thread per UDP socket and per TCP event loop. ``stop()`` asks the threads to finish (they
/// notice within 250 ms), joins them and waits for the shards to count what was received.
public final class Receiver: Sendable {
    public struct Configuration: Sendable {
        public var udp: [SocketAddress]
        public var tcp: [SocketAddress]
        /// UDP receive threads (and sockets) per address; default one per core.
        public var udpThreads: Int
        /// TCP event-loop threads; default one per core.
        public var tcpThreads: Int
        /// Largest message (UDP slot size, TCP frame limit).
        public var maxMessageSize: Int
        /// `SO_RCVBUF` asked for each UDP socket.
        public var receiveBufferBytes: Int
        /// Datagrams per `recvmmsg`.
        public var udpBatchSize: Int
        public var maxTCPConnections: Int
        public var tcpIdleTimeoutSeconds: Int
        public var parser: SyslogParser
        /// Senders allowed on every transport (`syslog.allow`); everyone by default.
        public var allow: SourceAllowlist
        /// Rejected messages kept per receive thread for `GET /errors/recent` (`syslog.error_ring`).
        public var errorRingCapacity: Int

        public init(
            udp: [SocketAddress], tcp: [SocketAddress],
            udpThreads: Int = Receiver.coreCount, tcpThreads: Int = Receiver.coreCount,
            maxMessageSize: Int = SyslogParser.defaultMaxMessageSize, receiveBufferBytes: Int = 32 << 20,
            udpBatchSize: Int = 128, maxTCPConnections: Int = 4096, tcpIdleTimeoutSeconds: Int = 600,
            parser: SyslogParser = SyslogParser(), allow: SourceAllowlist = .everyone, errorRingCapacity: Int = 1000
        ) {
            self.allow = allow
            self.errorRingCapacity = max(0, errorRingCapacity)
            self.udp = udp
            self.tcp = tcp
            self.udpThreads = max(1, udpThreads)
            self.tcpThreads = max(1, tcpThreads)
            self.maxMessageSize = maxMessageSize
            self.receiveBufferBytes = receiveBufferBytes
            self.udpBatchSize = max(1, udpBatchSize)
            self.maxTCPConnections = maxTCPConnections
            self.tcpIdleTimeoutSeconds = tcpIdleTimeoutSeconds
            self.parser = parser
        }
    }

    public struct StartError: Error, CustomStringConvertible {
        public let description: String
    }

    public static var coreCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    public let shards: ShardSet
    /// The HTTP transport (`POST /logs/ingest`): JSON batches into the same shards.
    public let http: HTTPIngest
    /// Journal entries (`POST /upload` from `systemd-journal-upload`), the same way.
    public let journald: HTTPIngest
    public let configuration: Configuration
    /// Stream transports fed from outside (TLS): their intakes' counters, added once at start-up.
    private let streamCounters = Mutex<[ThreadCounters]>([])
    private let tlsConnectionCount = SharedConnectionCount()
    private let stopping = StopFlag()
    private let threads: [ReceiveThread]
    private let threadCounters: [ThreadCounters]
    private let connectionCount = SharedConnectionCount()
    private let udpBuffers: [Int]
    /// The addresses actually bound (an asked-for port 0 replaced by the one the kernel chose).
    public let boundUDP: [SocketAddress]
    public let boundTCP: [SocketAddress]

    public init(configuration: Configuration, shards: ShardSet, logger: Logger) throws(StartError) {
        self.shards = shards
        var threads: [ReceiveThread] = []
        var counters: [ThreadCounters] = []
        var buffers: [Int] = []
        var boundUDP: [SocketAddress] = []
        var boundTCP: [SocketAddress] = []
        let stopping = self.stopping

        do {
            for requested in configuration.udp {
                try Self.ensureFree(requested, type: SOCK_DGRAM)
                var address = requested
                for index in 0..<configuration.udpThreads {
                    let socket = try UDPSocket(binding: address, receiveBuffer: configuration.receiveBufferBytes)
                    if index == 0 { address = socket.boundAddress; boundUDP.append(address) }
                    buffers.append(socket.receiveBufferBytes)
                    let threadCounters = ThreadCounters(transport: .udp, errorRingCapacity: configuration.errorRingCapacity)
                    counters.append(threadCounters)
                    let loop = UDPReceiveLoop(
                        socket: socket, batchSize: configuration.udpBatchSize, slotSize: configuration.maxMessageSize,
                        shards: shards, parser: configuration.parser, counters: threadCounters,
                        allowlist: configuration.allow, logger: logger)
                    threads.append(ReceiveThread(name: "vigil-udp-\(index)") { loop.run(until: stopping) })
                }
                logger.info("listening for syslog over UDP", metadata: [
                    "address": "\(address)", "threads": "\(configuration.udpThreads)",
                    "receive_buffer_bytes": "\(buffers.last ?? 0)",
                    "receive_buffer_asked": "\(configuration.receiveBufferBytes)",
                ])
            }
            var listenersPerLoop = [[TCPListenSocket]](repeating: [], count: configuration.tcp.isEmpty ? 0 : configuration.tcpThreads)
            for requested in configuration.tcp {
                try Self.ensureFree(requested, type: SOCK_STREAM)
                var address = requested
                for index in listenersPerLoop.indices {
                    let listener = try TCPListenSocket(binding: address)
                    if index == 0 { address = listener.boundAddress; boundTCP.append(address) }
                    listenersPerLoop[index].append(listener)
                }
                logger.info("listening for syslog over TCP", metadata: [
                    "address": "\(address)", "threads": "\(configuration.tcpThreads)",
                ])
            }
            let limits = TCPEventLoop.Limits(
                maxConnections: configuration.maxTCPConnections, maxFrameSize: configuration.maxMessageSize,
                idleTimeoutSeconds: configuration.tcpIdleTimeoutSeconds, readBufferSize: 256 * 1024,
                allowlist: configuration.allow)
            for (index, listeners) in listenersPerLoop.enumerated() {
                let threadCounters = ThreadCounters(transport: .tcp, errorRingCapacity: configuration.errorRingCapacity)
                counters.append(threadCounters)
                let loop = try TCPEventLoop(
                    listeners: listeners, limits: limits, connectionCount: connectionCount, shards: shards,
                    parser: configuration.parser, counters: threadCounters, logger: logger)
                threads.append(ReceiveThread(name: "vigil-tcp-\(index)") { loop.run(until: stopping) })
            }
        } catch let error as StartError {
            throw error
        } catch let error as UDPSocket.SetupError {
            throw StartError(description: error.description)
        } catch let error as TCPListenSocket.SetupError {
            throw StartError(description: error.description)
        } catch {
            throw StartError(description: "\(error)")
        }
        let http = HTTPIngest(shards: shards, parser: configuration.parser, transport: .http, configuration: configuration)
        let journald = HTTPIngest(shards: shards, parser: configuration.parser, transport: .journald, configuration: configuration)
        counters += [http.counters, journald.counters]
        self.http = http
        self.journald = journald
        self.configuration = configuration
        self.threads = threads
        self.threadCounters = counters
        self.udpBuffers = buffers
        self.boundUDP = boundUDP
        self.boundTCP = boundTCP
    }

    /// `SO_REUSEPORT` would let a second Vigil (or anything of the same user) silently share the
    /// port and take half the traffic. A plain bind first tells whether someone holds it.
    private static func ensureFree(_ address: SocketAddress, type: __socket_type) throws(StartError) {
        guard address.port != 0 else { return }
        let fd = SocketCalls.open(for: address, type: type)
        guard fd >= 0 else { return }
        defer { close(fd) }
        if type == SOCK_STREAM { SocketCalls.setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1) }
        guard SocketCalls.bind(fd, to: address) else {
            let kind = type == SOCK_STREAM ? "TCP" : "UDP"
            throw StartError(description: "cannot bind \(kind) \(address): \(errnoDescription()) (is another syslog receiver running?)")
        }
    }

    public func start() {
        for thread in threads { thread.start() }
    }

    /// Stops receiving, joins the threads and waits until the shards have counted everything
    /// (HTTP batches included: stop the HTTP server first so that none arrive afterwards).
    /// Idempotent.
    public func stop() {
        guard !stopping.isSet else { return shards.drain() }
        stopping.set()
        for thread in threads { thread.join() }
        shards.drain()
    }

    /// One intake per event-loop thread of a stream transport received outside this module
    /// (syslog over TLS): each with its own counters and error ring, summed into ``metrics()``
    /// and ``recentErrors(limit:)`` like a receive thread's.
    public func makeStreamIntakes(_ transport: Transport, count: Int) -> [StreamIntake] {
        let intakes = (0..<max(1, count)).map { _ in
            StreamIntake(
                transport: transport, shards: shards, parser: configuration.parser,
                counters: ThreadCounters(transport: transport, errorRingCapacity: configuration.errorRingCapacity),
                connectionCount: tlsConnectionCount, limits: configuration)
        }
        streamCounters.withLock { $0 += intakes.map(\.counters) }
        return intakes
    }

    private var allCounters: [ThreadCounters] { threadCounters + streamCounters.withLock { $0 } }

    /// The latest messages that did not parse or were rejected, all threads, newest first.
    public func recentErrors(limit: Int) -> [RejectedMessage] {
        allCounters.flatMap { $0.errors.snapshot(transport: $0.transport).reversed() }.newestFirst(limit: limit)
    }

    public func metrics() -> IngestMetrics {
        var metrics = IngestMetrics()
        for transport in Transport.allCases {
            metrics.refusedConnections[transport] = 0
            metrics.received[transport] = 0
            metrics.receivedBytes[transport] = 0
            metrics.parseErrors[transport] = 0
        }
        var droppedShardFull = 0, oversize = 0, framing = 0
        for counters in allCounters {
            metrics.received[counters.transport, default: 0] += counters.received.load(ordering: .relaxed)
            metrics.receivedBytes[counters.transport, default: 0] += counters.receivedBytes.load(ordering: .relaxed)
            metrics.parseErrors[counters.transport, default: 0] += counters.parseErrors.load(ordering: .relaxed)
            droppedShardFull += counters.droppedShardFull.load(ordering: .relaxed)
            oversize += counters.oversizeFrames.load(ordering: .relaxed)
            framing += counters.framingErrors.load(ordering: .relaxed)
            metrics.truncatedDatagrams += counters.truncatedDatagrams.load(ordering: .relaxed)
            metrics.truncatedFrames += counters.truncatedFrames.load(ordering: .relaxed)
        }
        var notAllowed = 0
        for counters in allCounters {
            notAllowed += counters.droppedNotAllowed.load(ordering: .relaxed)
            metrics.refusedConnections[counters.transport, default: 0] += counters.refusedConnections.load(ordering: .relaxed)
        }
        metrics.dropped = [
            "shard_queue_full": droppedShardFull, "oversize_frame": oversize, "framing_error": framing, "not_allowed": notAllowed,
        ]
        metrics.tlsConnections = tlsConnectionCount.open.load(ordering: .relaxed)
        metrics.tlsConnectionsAccepted = tlsConnectionCount.accepted.load(ordering: .relaxed)
        metrics.tlsConnectionsRejected = tlsConnectionCount.rejected.load(ordering: .relaxed)
        metrics.receiveThreads = threads.count
        metrics.tcpConnections = connectionCount.open.load(ordering: .relaxed)
        metrics.tcpConnectionsAccepted = connectionCount.accepted.load(ordering: .relaxed)
        metrics.tcpConnectionsRejected = connectionCount.rejected.load(ordering: .relaxed)
        metrics.shardBacklog = shards.backlog
        metrics.shardProcessed = shards.processed
        metrics.services = shards.serviceCount
        metrics.servicesOverflowedMessages = shards.overflowedMessages
        metrics.udpReceiveBufferBytes = udpBuffers
        return metrics
    }
}

/// Set once to ask the receive threads to finish.
final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)

    var isSet: Bool { value.load(ordering: .relaxed) }

    func set() { value.store(true, ordering: .relaxed) }
}

extension SocketAddress {
    /// The local address of a bound socket.
    init(localAddressOf fd: Int32) {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutableBytes(of: &storage) {
            getsockname(fd, $0.baseAddress!.assumingMemoryBound(to: sockaddr.self), &length)
        }
        self.init(storage: storage)
    }
}

extension UDPSocket {
    var boundAddress: SocketAddress { SocketAddress(localAddressOf: fd) }
}

extension TCPListenSocket {
    var boundAddress: SocketAddress { SocketAddress(localAddressOf: fd) }
}
