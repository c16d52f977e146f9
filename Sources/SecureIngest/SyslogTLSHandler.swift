import Ingest
import NIOCore
import NIOSSL
import NIOTLS

/// The last handler of a TLS connection's pipeline: plaintext after `NIOSSLServerHandler`, fed
/// to this event loop's ``StreamIntake`` (RFC 6587 framing, parsing, shards — as TCP).
///
/// It also guards the connection's life: a handshake that does not finish within the handshake
/// timeout is refused, a client whose certificate names are not allowed is refused right after
/// the handshake (before any of its data is accepted), an idle connection is closed after the
/// idle timeout, and while the shards are saturated it stops reading (lossless back-pressure:
/// the client's TCP window fills, as with the epoll loops).
final class SyslogTLSHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let intake: StreamIntake
    private var connection: StreamIntake.Connection
    private let names: PeerNameMatcher
    private let failures: HandshakeFailureLog
    private let handshakeTimeout: TimeAmount
    /// Set by the certificate verification callback when BoringSSL failed the client's certificate.
    private let verification: VerificationNote
    private let peerHost: String
    private var handshakeDone = false
    /// Whether the client passed every check; until then its bytes are not accepted.
    private var admitted = false
    private var closed = false
    private var handshakeDeadline: Scheduled<Void>?
    private var pausedForBackPressure = false

    init(
        intake: StreamIntake, connection: StreamIntake.Connection, names: PeerNameMatcher, failures: HandshakeFailureLog,
        handshakeTimeout: TimeAmount, verification: VerificationNote
    ) {
        self.intake = intake
        self.connection = connection
        self.names = names
        self.failures = failures
        self.handshakeTimeout = handshakeTimeout
        self.verification = verification
        self.peerHost = connection.peerAddress.host
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        handshakeDeadline = context.eventLoop.scheduleTask(in: handshakeTimeout) {
            let (handler, context) = loopBound.value
            guard !handler.handshakeDone else { return }
            handler.refuse(.timeout, detail: "no TLS handshake within \(handler.handshakeTimeout.nanoseconds / 1_000_000_000) s", context: context)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event {
            handshakeDone = true
            handshakeDeadline?.cancel()
            if names.allowsEveryName {
                admitted = true
            } else {
                let certificate = try? context.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self).peerCertificate
                let presented = certificate.map(Self.names(of:)) ?? []
                if names.allows(anyOf: presented) {
                    admitted = true
                } else {
                    refuse(.nameNotAllowed, detail: "certificate names \(presented) not in syslog.tls_allowed_names", context: context)
                    return
                }
            }
        } else if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)  // idle timeout, as TCP
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard admitted else { return }
        let buffer = unwrapInboundIn(data)
        buffer.withUnsafeReadableBytes { intake.receive($0, on: &connection) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        intake.flush()
        if intake.isSaturated, !pausedForBackPressure {
            pausedForBackPressure = true
            context.channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
            resumeWhenShardsCatchUp(context: context)
        }
        context.fireChannelReadComplete()
    }

    /// Polls every millisecond (as the epoll loops do) until the shards are below their limit.
    private func resumeWhenShardsCatchUp(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: .milliseconds(1)) {
            let (handler, context) = loopBound.value
            guard !handler.closed else { return }
            if handler.intake.isSaturated {
                handler.resumeWhenShardsCatchUp(context: context)
            } else {
                handler.pausedForBackPressure = false
                context.channel.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in }
                context.read()
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !handshakeDone {
            refuse(HandshakeFailure.classify(error, verification: verification.failure), detail: "\(error)", context: context)
        } else {
            context.close(promise: nil)  // reset, TLS alert or a bad record: the stream is over
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        handshakeDeadline?.cancel()
        if !handshakeDone, !closed {
            // Closed before the handshake finished without an error (the client hung up).
            failures.record(.closedDuringHandshake, peerHost: peerHost, detail: "connection closed during the handshake")
        }
        finish()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        finish()
    }

    /// Refuses the client: counted by reason, logged at most once per peer per minute, closed.
    private func refuse(_ reason: HandshakeFailure, detail: String, context: ChannelHandlerContext) {
        guard !closed else { return }
        admitted = false
        failures.record(reason, peerHost: peerHost, detail: detail)
        finish()
        context.close(promise: nil)
    }

    /// Releases the connection's slot and delivers a frame in progress — once.
    private func finish() {
        guard !closed else { return }
        closed = true
        // Nothing of a refused client is counted: its decoder state is dropped unread.
        intake.close(&connection, deliverPending: admitted)
    }

    /// DNS subject alternative names and the subject common name.
    static func names(of certificate: NIOSSLCertificate) -> [String] {
        var names: [String] = []
        for name in certificate._subjectAlternativeNames() where name.nameType == .dnsName {
            names.append(String(decoding: name.contents, as: UTF8.self))
        }
        for entry in certificate.subjectName where entry.type == .commonName {
            names.append(entry.value)
        }
        return names
    }
}

/// What the certificate verification callback saw, read when the handshake fails (same loop).
final class VerificationNote {
    var failure: HandshakeFailure?
}
