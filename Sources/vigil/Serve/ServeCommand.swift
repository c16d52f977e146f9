import API
import Analyze
import ArgumentParser
import Cluster
import Detect
import Foundation
import History
import Ingest
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import Store
import Syslog

/// `vigil serve`: receive syslog over UDP and TCP and JSON logs over HTTP, count per service,
/// detect anomalies on every tick, keep alerts and baselines in the database, serve the API.
///
/// Configured from `conf/vigil.toml`-style files, the environment and these flags (in rising
/// precedence, see ``VigilConfiguration``). Runs as a `ServiceGroup`; SIGTERM or SIGINT shuts
/// down in reverse order of start: HTTP stops accepting, the receiver stops and the shards
/// drain, detection judges a last time and the alert writer flushes, then the store closes.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Receive syslog (UDP, TCP) and JSON logs (HTTP), detect anomalies, serve alerts, health and metrics."
    )

    @Option(name: .customLong("udp"), help: "UDP address to receive on (repeatable; syslog.udp). Default: 0.0.0.0:5514.")
    var udp: [String] = []

    @Option(name: .customLong("tcp"), help: "TCP address to receive on (repeatable; syslog.tcp). Default: 0.0.0.0:5514.")
    var tcp: [String] = []

    @Flag(name: .customLong("no-udp"), help: "Do not receive over UDP.")
    var noUDP = false

    @Flag(name: .customLong("no-tcp"), help: "Do not receive over TCP.")
    var noTCP = false

    @Option(help: "HTTP address for the API (api.address). Default: 127.0.0.1:8000.")
    var http: String?

    @OptionGroup var detection: DetectionOptions

    @Option(name: .customLong("udp-threads"), help: "UDP receive threads (sockets) per address (syslog.udp_threads). Default: one per core.")
    var udpThreads: Int?

    @Option(name: .customLong("tcp-threads"), help: "TCP event-loop threads (syslog.tcp_threads). Default: one per core.")
    var tcpThreads: Int?

    @Option(help: "Shards (serial queues owning per-service counters; syslog.shards). Default: one per core.")
    var shards: Int?

    @Option(name: .customLong("receive-buffer"), help: "SO_RCVBUF asked for each UDP socket, bytes (syslog.receive_buffer).")
    var receiveBuffer: Int?

    @Option(name: .customLong("max-size"), help: "Maximum message size in bytes, UDP slot and TCP frame (syslog.max_message_size).")
    var maxSize: Int?

    @Option(name: .customLong("max-connections"), help: "Maximum open TCP connections (syslog.max_connections).")
    var maxConnections: Int?

    @Option(name: .customLong("idle-timeout"), help: "Close TCP connections idle this many seconds, 0: never (syslog.idle_timeout).")
    var idleTimeout: Int?

    @Option(help: "Time zone of RFC 3164 timestamps: UTC, ±hh:mm or an IANA name (syslog.timezone). Default: the system's.")
    var timezone: String?

    @Option(help: "Append every received message to FILE as a JSON line (syslog.tap).")
    var tap: String?

    func validate() throws {
        do {
            _ = try resolved()
        } catch {
            FileHandle.standardError.write(Data("vigil: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }

    /// The shared options' configuration with this command's flags on top.
    func resolved() throws(ConfigurationError) -> VigilConfiguration {
        var configuration = try detection.resolved()
        func flag(_ name: String, _ key: String, _ value: TOMLSubset.Value?) throws(ConfigurationError) {
            if let value { try configuration.apply(flag: name, key: key, value) }
        }
        try flag("--udp", "syslog.udp", udp.isEmpty ? nil : .array(udp.map { .string($0) }))
        try flag("--tcp", "syslog.tcp", tcp.isEmpty ? nil : .array(tcp.map { .string($0) }))
        if noUDP { configuration.syslog.udp = [] }
        if noTCP { configuration.syslog.tcp = [] }
        try flag("--http", "api.address", http.map { .string($0) })
        try flag("--udp-threads", "syslog.udp_threads", udpThreads.map { .integer(Int64($0)) })
        try flag("--tcp-threads", "syslog.tcp_threads", tcpThreads.map { .integer(Int64($0)) })
        try flag("--shards", "syslog.shards", shards.map { .integer(Int64($0)) })
        try flag("--receive-buffer", "syslog.receive_buffer", receiveBuffer.map { .integer(Int64($0)) })
        try flag("--max-size", "syslog.max_message_size", maxSize.map { .integer(Int64($0)) })
        try flag("--max-connections", "syslog.max_connections", maxConnections.map { .integer(Int64($0)) })
        try flag("--idle-timeout", "syslog.idle_timeout", idleTimeout.map { .integer(Int64($0)) })
        try flag("--timezone", "syslog.timezone", timezone.map { .string($0) })
        try flag("--tap", "syslog.tap", tap.map { .string($0) })
        try configuration.validate()
        return configuration
    }

    func run() async throws {
        let config = try resolved()
        let logger = LogSetup.bootstrap(format: config.log.format, level: config.log.level)
        // One registry for every metric: swift-metrics instruments anywhere in the process
        // (detection, the store writer, the analysis queue) land in /metrics.
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(50), .milliseconds(100),
            .milliseconds(500), .seconds(1), .seconds(5),
        ]
        MetricsSystem.bootstrap(factory)

        let cores = Receiver.coreCount
        let udpAddresses = try config.syslog.udp.map { try Ingest.SocketAddress(parsing: $0) }
        let tcpAddresses = try config.syslog.tcp.map { try Ingest.SocketAddress(parsing: $0) }
        let httpAddress = try Ingest.SocketAddress(parsing: config.api.address)
        let timeZone = config.syslog.timezone.isEmpty ? nil : config.syslog.timezone
        let parser = SyslogParser(maxMessageSize: config.syslog.maxMessageSize, timeZone: try LocalTimeZone.named(timeZone))
        let detectionConfiguration = config.detectionConfiguration

        let tapWriter = try config.syslog.tap.isEmpty ? nil : TapWriter(path: config.syslog.tap, parser: parser)
        var shardConfiguration = ShardSet.Configuration(
            shardCount: config.syslog.shards == 0 ? cores : config.syslog.shards,
            tickSeconds: Int(detectionConfiguration.tickSeconds), windowSeconds: Int(detectionConfiguration.windowSeconds))
        shardConfiguration.templates =
            config.detection.mineTemplates == "off" ? nil : TemplateTracker.Configuration(detection: detectionConfiguration)
        shardConfiguration.mineUpToSeverity = config.detection.mineTemplates == "errors" ? 4 : 7
        let shardSet = ShardSet(configuration: shardConfiguration, observer: tapWriter)
        let receiver: Receiver
        do {
            receiver = try Receiver(
                configuration: .init(
                    udp: udpAddresses, tcp: tcpAddresses,
                    udpThreads: config.syslog.udpThreads == 0 ? cores : config.syslog.udpThreads,
                    tcpThreads: config.syslog.tcpThreads == 0 ? cores : config.syslog.tcpThreads,
                    maxMessageSize: config.syslog.maxMessageSize, receiveBufferBytes: config.syslog.receiveBuffer,
                    maxTCPConnections: config.syslog.maxConnections, tcpIdleTimeoutSeconds: config.syslog.idleTimeout,
                    parser: parser),
                shards: shardSet, logger: logger)
        } catch {
            logger.critical("cannot start the receiver", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
        // The database is opened before anything is received: a wrong URL or an unreachable
        // server is a clear start-up error. Outages later are queued by the AlertWriter.
        let store: any VigilStore
        let baselines: [Baseline]
        let url: DatabaseURL
        let templates: [PersistentTemplate]
        do {
            url = try DatabaseURL(parsing: config.database)
            store = try await url.openStore()
            baselines = try await store.loadBaselines(windowSeconds: detectionConfiguration.windowSeconds)
            templates = try await store.loadTemplates()
            shardSet.restore(templates)
            logger.info("database open", metadata: ["database": "\(url)", "baselines": "\(baselines.count)"])
        } catch {
            logger.critical("cannot open the database", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
        // On PostgreSQL this instance is a member of the cluster of every vigil serve on that
        // database; a second live instance with the same name is refused here.
        var cluster: ClusterNode?
        if case .postgres(let text) = url {
            do {
                cluster = try await ClusterNode.join(
                    location: try PostgresLocation(url: text),
                    configuration: config.clusterConfiguration(httpPort: Int(httpAddress.port)),
                    store: store, templates: .init(detection: detectionConfiguration), restored: templates, logger: logger)
            } catch {
                logger.critical("cannot join the cluster", metadata: ["error": "\(error)"])
                try? await store.close()
                throw ExitCode.failure
            }
        }
        let analyzer = AnalyzerConfiguration(config.analysis)
        let analysis = AnalysisQueue.make(configuration: analyzer, store: store, logger: logger)
        logger.info("analysis", metadata: ["analyzer": "\(analyzer.usesClaude ? "claude" : "offline")", "model": "\(analyzer.model)"])
        let writer = AlertWriter(
            store: store, cooldownSeconds: detectionConfiguration.cooldownSeconds, analysis: analysis, logger: logger)
        let history = HistoryRecorder(
            configuration: .init(
                tickSeconds: detectionConfiguration.tickSeconds, windowSeconds: detectionConfiguration.windowSeconds,
                retentionSeconds: config.history.retention),
            source: shardSet, store: store, logger: logger)
        let detection = LiveDetection(shards: shardSet, writer: writer, configuration: detectionConfiguration, history: history)
        let clusterDetection = cluster.map {
            ClusterDetection(
                node: $0, shards: shardSet, writer: writer, store: store, configuration: detectionConfiguration, history: history,
                logger: logger)
        }
        let detectionService: any Service = if let clusterDetection {
            ClusterDetectionService(detection: clusterDetection, writer: writer)
        } else {
            DetectionService(detection: detection, writer: writer, baselines: baselines)
        }
        let readiness = Readiness()

        let api = HTTPAPI.application(
            configuration: .init(
                host: httpAddress.host, port: Int(httpAddress.port),
                token: config.api.token, maxBodyBytes: config.api.maxBodyBytes),
            dependencies: .init(
                receiver: receiver, store: store, metrics: VigilMetrics(registry: registry, receiver: receiver),
                detection: clusterDetection.map { $0 as any DetectionState } ?? detection, readiness: readiness,
                windowSeconds: detectionConfiguration.windowSeconds, tickSeconds: detectionConfiguration.tickSeconds,
                history: history,
                thresholds: .init(
                    errorSpikeFactor: detectionConfiguration.errorSpikeMultiplier, errorSpikeFloor: detectionConfiguration.errorSpikeFloor,
                    volumeSpikeFactor: detectionConfiguration.volumeSpikeMultiplier),
                cluster: cluster.map(ClusterHealthReport.init)),
            logger: logger,
            onServerRunning: { port in
                logger.info("serving HTTP", metadata: ["address": "\(httpAddress.host):\(port)", "auth": "\(config.api.token.isEmpty ? "none" : "bearer")"])
            })

        let timeout = Duration.milliseconds(Int64(config.shutdown.timeout * 1000))
        // Started in this order, shut down in the reverse one.
        var groupConfiguration = ServiceGroupConfiguration(
            services: [
                .init(service: AnalysisService(queue: analysis, grace: timeout / 4)),
                .init(service: HistoryService(recorder: history)),
                .init(service: detectionService),
                .init(service: ReceiverService(receiver: receiver, tap: tapWriter, logger: logger)),
                .init(service: api),
                .init(service: ReadinessService(readiness: readiness, logger: logger)),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            cancellationSignals: [],
            logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = timeout
        groupConfiguration.maximumCancellationDuration = .seconds(1)
        let group = ServiceGroup(configuration: groupConfiguration)
        var failure: (any Error)?
        do {
            try await group.run()
        } catch {
            logger.critical("stopped on an error", metadata: ["error": "\(error)"])
            failure = error
        }
        try? await store.close()
        let metrics = receiver.metrics()
        let written = await writer.snapshot.written
        logger.info("stopped", metadata: [
            "received_udp": "\(metrics.received[.udp] ?? 0)", "received_tcp": "\(metrics.received[.tcp] ?? 0)",
            "received_http": "\(metrics.received[.http] ?? 0)", "alerts_written": "\(written)",
        ])
        if failure != nil { throw ExitCode.failure }
    }
}
