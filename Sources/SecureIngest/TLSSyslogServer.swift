import Glibc
import Ingest
import Logging
import Metrics
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// Syslog over TLS (RFC 5425) on SwiftNIO with swift-nio-ssl (BoringSSL): the module's one seam.
///
/// TLS is CPU-bound, so it runs on its own event loops (`syslog.tcp_threads` of them) rather than
/// the epoll receive threads; each loop owns a ``StreamIntake`` from the receiver, so decrypted
/// bytes take exactly the TCP path from the frame decoder on — RFC 6587 octet counting or LF,
/// the same parser and shards, `transport="tls"`, the same connection limit, frame size and idle
/// timeout, the same allowlist and error ring. Nothing on the data path is shared between loops.
///
/// Certificates are read at start-up and again by ``reloadCertificates()`` (SIGHUP): a new
/// context is used for new connections; open ones keep theirs, so rotation drops nothing.
public final class TLSSyslogServer: Sendable {
    public struct Configuration: Sendable {
        public var addresses: [Ingest.SocketAddress]
        public var credentials: TLSCredentials
        public var allowedNames: PeerNameMatcher
        /// Event loops (threads).
        public var threads: Int
        /// A client must finish its handshake within this time (slow-loris guard).
        public var handshakeTimeout: TimeAmount

        public init(
            addresses: [Ingest.SocketAddress], credentials: TLSCredentials, allowedNames: PeerNameMatcher,
            threads: Int, handshakeTimeout: TimeAmount = .seconds(10)
        ) {
            self.addresses = addresses
            self.credentials = credentials
            self.allowedNames = allowedNames
            self.threads = max(1, threads)
            self.handshakeTimeout = handshakeTimeout
        }
    }

    public struct StartError: Error, CustomStringConvertible {
        public let description: String
    }

    private let configuration: Configuration
    private let group: MultiThreadedEventLoopGroup
    /// Each event loop's intake, by the loop's identity.
    private let intakes: [ObjectIdentifier: StreamIntake]
    private let context: Mutex<NIOSSLContext>
    private let failures: HandshakeFailureLog
    private let logger: Logger
    private let listeners = Mutex<[any Channel]>([])
    private let connections = Mutex<[ObjectIdentifier: any Channel]>([:])
    private let reloads: CertificateReloads

    /// Reads the certificates (a bad file fails here, before anything listens).
    public init(configuration: Configuration, receiver: Receiver, logger: Logger) throws(StartError) {
        self.configuration = configuration
        self.logger = logger
        do {
            context = Mutex(try configuration.credentials.makeServerContext())
        } catch {
            throw StartError(description: error.description)
        }
        group = MultiThreadedEventLoopGroup(numberOfThreads: configuration.threads)
        var intakes: [ObjectIdentifier: StreamIntake] = [:]
        let loops = Array(group.makeIterator())
        for (loop, intake) in zip(loops, receiver.makeStreamIntakes(.tls, count: loops.count)) {
            intakes[ObjectIdentifier(loop)] = intake
        }
        self.intakes = intakes
        failures = HandshakeFailureLog(logger: logger)
        reloads = CertificateReloads(label: "vigil_tls_certificate_reloads_total", logger: logger)
    }

    /// Binds every address; returns them as bound (a port 0 replaced by the kernel's choice).
    public func start() async throws(StartError) -> [Ingest.SocketAddress] {
        var bound: [Ingest.SocketAddress] = []
        for address in configuration.addresses {
            do {
                let channel = try await bootstrap().bind(host: address.host, port: Int(address.port)).get()
                listeners.withLock { $0.append(channel) }
                let port = channel.localAddress?.port ?? Int(address.port)
                let actual = try Ingest.SocketAddress(parsing: address.family == AF_INET6 ? "[\(address.host)]:\(port)" : "\(address.host):\(port)")
                bound.append(actual)
                logger.info("listening for syslog over TLS", metadata: [
                    "address": "\(actual)", "threads": "\(configuration.threads)",
                    "client_certificates": "\(configuration.credentials.clientCAPath == nil ? "not requested" : "required")",
                ])
            } catch {
                await stop()
                throw StartError(description: "cannot listen on TLS \(address): \(error)")
            }
        }
        return bound
    }

    private func bootstrap() -> ServerBootstrap {
        ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.so_keepalive), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 8)
            .childChannelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 1024, initial: 16384, maximum: 262_144))
            .childChannelInitializer { [self] channel in
                do {
                    try initialize(channel)
                    return channel.eventLoop.makeSucceededVoidFuture()
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }
    }

    private struct Refused: Error {}

    /// Admission (allowlist, connection limit) before the handshake, then the TLS pipeline.
    private func initialize(_ channel: any Channel) throws {
        guard let intake = intakes[ObjectIdentifier(channel.eventLoop)], let remote = channel.remoteAddress else { throw Refused() }
        let admission = remote.withSockAddr { pointer, _ in intake.admit(peer: UnsafeRawPointer(pointer)) }
        guard case .admitted(var connection) = admission else { throw Refused() }  // counted by the intake; NIO closes it
        do {
            try addPipeline(to: channel, intake: intake, connection: connection)
        } catch {
            intake.close(&connection, deliverPending: false)
            throw error
        }
    }

    private func addPipeline(to channel: any Channel, intake: StreamIntake, connection: StreamIntake.Connection) throws {
        let note = VerificationNote()
        let sslContext = context.withLock { $0 }
        let tls: NIOSSLServerHandler
        if configuration.credentials.clientCAPath != nil {
            tls = try Self.verifyingHandler(context: sslContext, note: note)
        } else {
            tls = NIOSSLServerHandler(context: sslContext)
        }
        let handler = SyslogTLSHandler(
            intake: intake, connection: connection, names: configuration.allowedNames, failures: failures,
            handshakeTimeout: configuration.handshakeTimeout, verification: note)
        let operations = channel.pipeline.syncOperations
        try operations.addHandler(tls)
        if intake.idleTimeoutSeconds > 0 {
            try operations.addHandler(IdleStateHandler(readTimeout: .seconds(Int64(intake.idleTimeoutSeconds))))
        }
        try operations.addHandler(handler)
        let id = ObjectIdentifier(channel)
        connections.withLock { $0[id] = channel }
        channel.closeFuture.whenComplete { [self] _ in connections.withLock { _ = $0.removeValue(forKey: id) } }
    }

    /// A server handler whose certificate verification notes *why* BoringSSL refused a client
    /// certificate (expired, not yet valid, unknown CA), for the failure counter. The callback
    /// returns BoringSSL's own verdict unchanged: it observes, it does not decide.
    ///
    /// swift-nio-ssl marks this per-certificate callback deprecated in favour of a callback that
    /// *replaces* BoringSSL's chain verification; replacing it would mean re-implementing path
    /// validation, so the observing form is kept deliberately (one deprecation warning).
    private static func verifyingHandler(context: NIOSSLContext, note: VerificationNote) throws -> NIOSSLServerHandler {
        try NIOSSLServerHandler(context: context, verificationCallback: { result, certificate in
            if case .failed = result, note.failure == nil {
                note.failure = HandshakeFailure.verificationFailure(of: certificate)
            }
            return result
        })
    }

    /// Reads the certificate, key and client CA files again; new connections use them, open
    /// ones keep the context they started with. On failure the current certificates stay.
    @discardableResult
    public func reloadCertificates() -> Bool {
        reloads.attempt(certificate: configuration.credentials.certificatePath) { () throws(TLSCredentials.LoadError) in
            let fresh = try configuration.credentials.makeServerContext()
            context.withLock { $0 = fresh }
        }
    }

    /// Stops accepting, closes the open connections (each delivers its frame in progress and
    /// flushes to the shards on its loop), then stops the event loops. Call before the
    /// receiver drains the shards.
    public func stop() async {
        for channel in listeners.withLock({ $0 }) { try? await channel.close() }
        for channel in connections.withLock({ Array($0.values) }) { try? await channel.close() }
        try? await group.shutdownGracefully()
    }
}
