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
import Notify
import Prometheus
import SecureIngest
import ServiceLifecycle
import Store
import Syslog

/// `vigil serve`: receive syslog over UDP and TCP and JSON logs over HTTP, count per service,
/// detect anomalies on every tick, keep alerts and baselines in the database, serve the API.
///
/// Configured from `conf/vigil.toml`-style files, the environment and these flags (in rising
/// precedence, see ``VigilConfiguration``). Runs as a `ServiceGroup`; SIGTERM or SIGINT shuts
/// down in reverse order of start: HTTP stops accepting, the receiver stops and the shards
/// drain, detection judges a last time and the alert writer flushes, analysis finishes, the
/// notification sends in flight finish (the rest stay pending in the outbox), then the store closes.
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

    @OptionGroup var secure: SecureIntakeOptions

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
        try secure.apply(to: &configuration)
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
        // Notifications wait out retries and backoff: seconds to an hour.
        factory.durationHistogramBuckets[NotificationMetrics.latencyLabel] = [
            .milliseconds(100), .milliseconds(500), .seconds(1), .seconds(5), .seconds(15), .seconds(60), .seconds(300),
            .seconds(1800), .seconds(3600),
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
            tickSeconds: Int(detectionConfiguration.tickSeconds), windowSeconds: Int(detectionConfiguration.longestWindow))
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
                    parser: parser, allow: try SourceAllowlist(parsing: config.syslog.allow), errorRingCapacity: config.syslog.errorRing),
                shards: shardSet, logger: logger)
        } catch {
            logger.critical("cannot start the receiver", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
        let tls: TLSSyslogServer?
        do {
            tls = try await config.startTLSIntake(receiver: receiver, threads: config.syslog.tcpThreads == 0 ? cores : config.syslog.tcpThreads, logger: logger)
        } catch {
            logger.critical("cannot start syslog over TLS", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
        let apiIdentity: ReloadableServerIdentity?
        do {
            apiIdentity = try config.apiTLSCredentials.map { credentials throws(TLSCredentials.LoadError) in
                try ReloadableServerIdentity(credentials: credentials, logger: logger, metricsLabel: "vigil_api_certificate_reloads_total")
            }
        } catch {
            logger.critical("cannot serve the API over TLS", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
        // The database is opened before anything is received: a wrong URL or an unreachable
        // server is a clear start-up error. Outages later are queued by the AlertWriter.
        let store: any VigilStore
        let baselines: [Baseline]
        let unresolved: [AlertKey]
        let url: DatabaseURL
        let templates: [PersistentTemplate]
        do {
            url = try DatabaseURL(parsing: config.database)
            store = try await url.openStore()
            baselines = try await store.loadBaselines(windows: detectionConfiguration.windows)
            unresolved = try await store.unresolvedAlertKeys()
            templates = try await store.loadTemplates()
            shardSet.restore(templates)
            logger.info("database open", metadata: [
                "database": "\(url)", "baselines": "\(baselines.count)", "unresolved_alert_keys": "\(unresolved.count)",
            ])
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
        // Alerts and analyses are stored with their outbox rows (one per target) in one transaction.
        let notify = config.notifyConfiguration
        let analyzer = AnalyzerConfiguration(config.analysis)
        let analysis = AnalysisQueue.make(
            configuration: analyzer, store: store, logger: logger, announce: { notify.outboxEntries(for: $0, event: .analyzed) })
        logger.info("analysis", metadata: ["analyzer": "\(analyzer.usesClaude ? "claude" : "offline")", "model": "\(analyzer.model)"])
        let writer = AlertWriter(
            store: store, cooldownSeconds: detectionConfiguration.cooldownSeconds,
            correlationSeconds: detectionConfiguration.correlationSeconds, analysis: analysis,
            announce: { notify.outboxEntries(for: $0, event: $1) }, logger: logger)
        let transport = HTTPTransport(
            connectTimeout: min(notify.timeout, .seconds(10)), connectionsPerHost: notify.concurrency, logger: logger)
        let delivery = DeliveryWorker(store: store, configuration: notify, transport: transport, logger: logger)
        logger.info("notifications", metadata: [
            "targets": "\(notify.targets.map { "\($0.kind.rawValue) \($0.redactedURL)" }.joined(separator: ", "))",
        ])
        let history = HistoryRecorder(
            configuration: .init(
                tickSeconds: detectionConfiguration.tickSeconds, windowSeconds: detectionConfiguration.longestWindow,
                retentionSeconds: config.history.retention),
            source: shardSet, store: store, logger: logger)
        // One detection for both: the ticks come from this process's shards, or — a cluster
        // member — from the cluster, where only the leader is handed ticks to judge (every live
        // member's counts summed) and followers count and flush.
        let ticks: any TickSource = if let cluster {
            ClusterTicks(node: cluster, shards: shardSet, store: store, configuration: detectionConfiguration, logger: logger)
        } else {
            ShardTicks(shards: shardSet, configuration: detectionConfiguration)
        }
        let detection = LiveDetection(source: ticks, writer: writer, configuration: detectionConfiguration, history: history)
        // A single instance starts from the store's state; a cluster member only once it leads.
        let start = cluster == nil ? DetectionStart(baselines: baselines, unresolved: unresolved) : nil
        let readiness = Readiness()

        let api = HTTPAPI.application(
            configuration: .init(
                host: httpAddress.host, port: Int(httpAddress.port),
                token: config.api.token, maxBodyBytes: config.api.maxBodyBytes, uploadToken: config.api.uploadToken),
            dependencies: .init(
                receiver: receiver, store: store, metrics: VigilMetrics(registry: registry, receiver: receiver),
                detection: detection, readiness: readiness,
                windowSeconds: detectionConfiguration.longestWindow, tickSeconds: detectionConfiguration.tickSeconds,
                history: history,
                thresholds: .init(
                    errorSpikeFactor: detectionConfiguration.errorSpikeMultiplier, errorSpikeFloor: detectionConfiguration.errorSpikeFloor,
                    volumeSpikeFactor: detectionConfiguration.volumeSpikeMultiplier),
                cluster: cluster.map(ClusterHealthReport.init)),
            logger: logger, server: try HTTPAPI.server(tls: apiIdentity),
            onServerRunning: { port in
                logger.info("serving HTTP", metadata: [
                    "address": "\(httpAddress.host):\(port)", "auth": "\(config.api.token.isEmpty ? "none" : "bearer")",
                    "scheme": "\(config.api.tlsCert.isEmpty ? "http" : "https")",
                ])
            })

        let timeout = Duration.milliseconds(Int64(config.shutdown.timeout * 1000))
        // Started in this order, shut down in the reverse one.
        var groupConfiguration = ServiceGroupConfiguration(
            services: [
                // First, so it stops last: it delivers what the others stored until the end.
                .init(service: NotificationService(worker: delivery, transport: transport, grace: timeout / 4)),
                .init(service: AnalysisService(queue: analysis, grace: timeout / 4)),
                .init(service: HistoryService(recorder: history)),
                .init(service: DetectionService(detection: detection, writer: writer, start: start)),
                .init(service: ReceiverService(receiver: receiver, tap: tapWriter, logger: logger)),
                .init(service: TLSIntakeService(server: tls, apiIdentity: apiIdentity, logger: logger)),
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
            "received_http": "\(metrics.received[.http] ?? 0)", "received_tls": "\(metrics.received[.tls] ?? 0)",
            "received_journald": "\(metrics.received[.journald] ?? 0)", "alerts_written": "\(written)",
        ])
        if failure != nil { throw ExitCode.failure }
    }
}
