import API
import ArgumentParser
import Detect
import Foundation
import Hummingbird
import Ingest
import Logging
import Store
import Syslog

/// `vigil serve`: receive syslog over UDP and TCP, count per service, detect anomalies on every
/// tick, keep alerts and baselines in the database, serve HTTP.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Receive syslog over UDP and TCP (RFC 5424, RFC 3164, RFC 6587 framing) and serve health and metrics over HTTP."
    )

    @Option(name: .customLong("udp"), help: "UDP address to receive on (repeatable). Default: 0.0.0.0:5514.")
    var udp: [String] = []

    @Option(name: .customLong("tcp"), help: "TCP address to receive on (repeatable). Default: 0.0.0.0:5514.")
    var tcp: [String] = []

    @Flag(name: .customLong("no-udp"), help: "Do not receive over UDP.")
    var noUDP = false

    @Flag(name: .customLong("no-tcp"), help: "Do not receive over TCP.")
    var noTCP = false

    @Option(help: "HTTP address for /health and /metrics.")
    var http = "127.0.0.1:8000"

    @OptionGroup var detection: DetectionOptions

    @Option(name: .customLong("udp-threads"), help: "UDP receive threads (sockets) per address. Default: one per core.")
    var udpThreads = Receiver.coreCount

    @Option(name: .customLong("tcp-threads"), help: "TCP event-loop threads. Default: one per core.")
    var tcpThreads = Receiver.coreCount

    @Option(help: "Shards (serial queues owning per-service counters). Default: one per core.")
    var shards = Receiver.coreCount

    @Option(name: .customLong("receive-buffer"), help: "SO_RCVBUF asked for each UDP socket, bytes (as root SO_RCVBUFFORCE).")
    var receiveBuffer = 32 << 20

    @Option(name: .customLong("max-size"), help: "Maximum message size in bytes (UDP slot, TCP frame).")
    var maxSize = SyslogParser.defaultMaxMessageSize

    @Option(name: .customLong("max-connections"), help: "Maximum open TCP connections.")
    var maxConnections = 4096

    @Option(name: .customLong("idle-timeout"), help: "Close TCP connections idle this many seconds (0: never).")
    var idleTimeout = 600

    @Option(help: "Time zone of RFC 3164 timestamps: UTC, ±hh:mm or an IANA name. Default: the system's.")
    var timezone: String?

    @Option(help: "Append every received message to FILE as a JSON line (vigil parse's fields plus transport, peer, received_at).")
    var tap: String?

    func validate() throws {
        guard maxSize > 0, maxConnections > 0, idleTimeout >= 0, receiveBuffer > 0 else {
            throw ValidationError("--max-size, --max-connections and --receive-buffer must be positive, --idle-timeout not negative")
        }
    }

    func run() async throws {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        var logger = Logger(label: "vigil")
        logger.logLevel = .info

        let udpAddresses = try noUDP ? [] : (udp.isEmpty ? ["0.0.0.0:5514"] : udp).map(Self.address)
        let tcpAddresses = try noTCP ? [] : (tcp.isEmpty ? ["0.0.0.0:5514"] : tcp).map(Self.address)
        let httpAddress = try Self.address(http)
        let parser = SyslogParser(maxMessageSize: maxSize, timeZone: try LocalTimeZone.named(timezone))

        let tapWriter = try tap.map { try TapWriter(path: $0, parser: parser) }
        let shardSet = ShardSet(
            configuration: .init(shardCount: shards, tickSeconds: Int(detection.tick), windowSeconds: Int(detection.window)),
            observer: tapWriter)
        let receiver: Receiver
        do {
            receiver = try Receiver(
                configuration: .init(
                    udp: udpAddresses, tcp: tcpAddresses, udpThreads: udpThreads, tcpThreads: tcpThreads,
                    maxMessageSize: maxSize, receiveBufferBytes: receiveBuffer,
                    maxTCPConnections: maxConnections, tcpIdleTimeoutSeconds: idleTimeout, parser: parser),
                shards: shardSet, logger: logger)
        } catch {
            logger.critical("cannot start the receiver", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
        // The database is opened before anything is received: a wrong URL or an unreachable
        // server is a clear start-up error. Outages later are queued by the AlertWriter.
        let store: any VigilStore
        let baselines: [Baseline]
        do {
            let url = try detection.databaseURL()
            store = try await url.openStore()
            baselines = try await store.loadBaselines(windowSeconds: detection.window)
            shardSet.restore(try await store.loadTemplates())
            logger.info("database open", metadata: ["database": "\(url)", "baselines": "\(baselines.count)"])
        } catch {
            logger.critical("cannot open the database", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
        let detectionConfiguration = detection.configuration
        let writer = AlertWriter(store: store, cooldownSeconds: detectionConfiguration.cooldownSeconds, logger: logger)
        let detection = LiveDetection(shards: shardSet, writer: writer, configuration: detectionConfiguration)

        receiver.start()
        let detectionTask = Task { await detection.run(baselines: baselines) }

        let app = HTTPAPI.application(
            receiver: receiver, host: httpAddress.host, port: Int(httpAddress.port), logger: logger,
            moreMetrics: { await detection.metrics() })
        var failure: Error?
        do {
            try await app.runService()  // until SIGTERM or SIGINT
        } catch {
            logger.critical("HTTP server failed", metadata: ["address": "\(http)", "error": "\(error)"])
            failure = error
        }
        detectionTask.cancel()
        await detectionTask.value
        receiver.stop()
        tapWriter?.close()
        await writer.submit(alerts: [], baselines: nil, templates: shardSet.persistentTemplates())
        await writer.flush()
        try? await store.close()
        let metrics = receiver.metrics()
        logger.info("stopped", metadata: [
            "received_udp": "\(metrics.received[.udp] ?? 0)", "received_tcp": "\(metrics.received[.tcp] ?? 0)",
        ])
        if failure != nil { throw ExitCode.failure }
    }

    private static func address(_ text: String) throws -> SocketAddress {
        do {
            return try SocketAddress(parsing: text)
        } catch {
            throw ValidationError(error.description)
        }
    }
}
