import Detect
import Foundation
import History
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Ingest
import Logging
import SecureIngest
import Store
import Synchronization

/// Vigil's HTTP interface (Hummingbird 2), in the same process as the receiver and detection:
/// `POST /logs/ingest`, `POST /upload` (journald), `GET /alerts/recent`, `GET /alerts/{anomaly_id}`,
/// `GET /incidents/recent`, `GET /incidents/{incident_id}`,
/// `GET /notifications/recent`, `GET /services`, `GET /errors/recent`, `GET /health`, `GET /metrics`; the per-minute history
/// (`GET /services/{name}/history`, `GET /history`), `GET /services/{name}/templates`,
/// `GET /receiver`, and the dashboard at `/`.
///
/// Nothing here waits on Claude, and ingest never waits on the database: accepted entries go to
/// the shards (``HTTPIngest``) and are counted there, like syslog. The alert and service
/// endpoints read the store and detection's state.
public enum HTTPAPI {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        /// When set, every endpoint but `/health` and `/metrics` needs `Authorization: Bearer TOKEN`.
        public var token: String?
        /// Largest request body accepted, before and after gzip decompression (for `/upload`:
        /// largest journal entry — an upload streams a whole journal).
        public var maxBodyBytes: Int
        /// `api.upload_token`: `POST /upload` accepts it as `?token=` (systemd-journal-upload
        /// cannot send a bearer token).
        public var uploadToken: String?

        public init(
            host: String = "127.0.0.1", port: Int = 8000, token: String? = nil, maxBodyBytes: Int = 10 << 20,
            uploadToken: String? = nil
        ) {
            self.host = host
            self.port = port
            self.token = token?.isEmpty == true ? nil : token
            self.maxBodyBytes = maxBodyBytes
            self.uploadToken = uploadToken?.isEmpty == true ? nil : uploadToken
        }
    }

    /// What the endpoints read besides the receiver and the store.
    public struct Dependencies: Sendable {
        public var receiver: Receiver
        public var store: any VigilStore
        public var metrics: VigilMetrics
        public var detection: any DetectionState
        public var readiness: Readiness
        /// The cluster this instance belongs to, for `/health` (`nil`: a single instance).
        public var cluster: (any ClusterHealthSource)?
        /// The detection window `/services` reports (the longest) and the tick.
        public var windowSeconds: Int64
        public var tickSeconds: Int64
        /// The minutes not yet in the store (the history endpoints add them); `nil`: none.
        public var history: HistoryRecorder?
        /// Where the dashboard's baseline band ends: the rules' thresholds.
        public var thresholds: AlertThresholds

        public init(
            receiver: Receiver, store: any VigilStore, metrics: VigilMetrics, detection: any DetectionState,
            readiness: Readiness, windowSeconds: Int64, tickSeconds: Int64,
            history: HistoryRecorder? = nil, thresholds: AlertThresholds = AlertThresholds(),
            cluster: (any ClusterHealthSource)? = nil
        ) {
            self.cluster = cluster
            self.history = history
            self.thresholds = thresholds
            self.receiver = receiver
            self.store = store
            self.metrics = metrics
            self.detection = detection
            self.readiness = readiness
            self.windowSeconds = windowSeconds
            self.tickSeconds = tickSeconds
        }
    }

    /// The router alone (tests drive it through HummingbirdTesting).
    public static func router(configuration: Configuration, dependencies: Dependencies) -> Router<VigilRequestContext> {
        let router = Router(context: VigilRequestContext.self)
        if let token = configuration.token {
            // The dashboard's files hold no data: the page asks for the token itself. With an upload
            // token, /upload checks its own credentials (either token).
            let open: Set<String> = configuration.uploadToken == nil ? ["/health", "/metrics", "/"] : ["/health", "/metrics", "/", "/upload"]
            router.add(middleware: BearerTokenMiddleware(token: token, openPaths: open, openPrefixes: ["/ui/"]))
        }
        let ingest = IngestEndpoint(http: dependencies.receiver.http, maxBodyBytes: configuration.maxBodyBytes,
                                    metrics: dependencies.metrics)
        router.post("logs/ingest") { request, context in try await ingest.handle(request, context: context) }
        let upload = UploadEndpoint(
            journald: dependencies.receiver.journald, maxEntryBytes: configuration.maxBodyBytes, metrics: dependencies.metrics,
            uploadToken: configuration.uploadToken.map { Array($0.utf8) }, apiToken: configuration.token.map { Array($0.utf8) })
        router.post("upload") { request, context in try await upload.handle(request, context: context) }
        let errors = ErrorsEndpoint(receiver: dependencies.receiver)
        router.get("errors/recent") { request, _ in errors.recent(request) }
        let alerts = AlertsEndpoint(store: dependencies.store)
        router.get("alerts/recent") { request, _ in try await alerts.recent(request) }
        router.get("alerts/:anomaly_id") { _, context in
            try await alerts.one(anomalyID: context.parameters.require("anomaly_id"))
        }
        let incidents = IncidentsEndpoint(store: dependencies.store)
        router.get("incidents/recent") { request, _ in try await incidents.recent(request) }
        router.get("incidents/:incident_id") { _, context in
            try await incidents.one(incidentID: context.parameters.require("incident_id"))
        }
        let notifications = NotificationsEndpoint(store: dependencies.store)
        router.get("notifications/recent") { request, _ in try await notifications.recent(request) }
        let services = ServicesEndpoint(
            shards: dependencies.receiver.shards, detection: dependencies.detection,
            windowSeconds: dependencies.windowSeconds, tickSeconds: dependencies.tickSeconds)
        router.get("services") { _, _ in await services.handle() }
        let history = HistoryEndpoint(store: dependencies.store, recorder: dependencies.history, thresholds: dependencies.thresholds)
        router.get("history") { request, _ in await history.overall(request) }
        router.get("services/history") { request, _ in await history.services(request) }
        router.get("services/:name/history") { request, context in
            await history.service(try context.parameters.require("name"), request)
        }
        let templates = TemplatesEndpoint(detection: dependencies.detection, windowSeconds: dependencies.windowSeconds)
        router.get("services/:name/templates") { _, context in await templates.handle(try context.parameters.require("name")) }
        let receiverStats = ReceiverEndpoint(receiver: dependencies.receiver, detection: dependencies.detection, history: dependencies.history)
        router.get("receiver") { _, _ in await receiverStats.handle() }
        let dashboard = DashboardEndpoint()
        router.get("/") { request, _ in dashboard.index(request) }
        router.get("ui/:file") { request, context in dashboard.file(try context.parameters.require("file"), request) }
        let health = HealthEndpoint(dependencies: dependencies, httpAddress: "\(configuration.host):\(configuration.port)")
        router.get("health") { _, _ in await health.handle() }
        let metrics = dependencies.metrics
        router.get("metrics") { _, _ in
            JSONResponse.text(metrics.render(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        return router
    }

    /// The HTTP server as a `Service` for the process's `ServiceGroup` (graceful shutdown stops
    /// accepting and lets requests in flight finish).
    public static func application(
        configuration: Configuration, dependencies: Dependencies, logger: Logger, server: HTTPServerBuilder = .http1(),
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            router: router(configuration: configuration, dependencies: dependencies),
            server: server,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "vigil"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger)
    }
}

extension HTTPAPI {
    /// HTTP/1.1, over TLS when `tls` is given (`api.tls_cert`, `api.tls_key`): the JSON ingest and
    /// `systemd-journal-upload` can then send over HTTPS. Each handshake takes the identity
    /// current at its start, so ``ReloadableServerIdentity/reload()`` (SIGHUP) rotates it.
    public static func server(tls: ReloadableServerIdentity?) throws -> HTTPServerBuilder {
        guard let tls else { return .http1() }
        return try .tls(.http1(), tlsConfiguration: tls.makeServerConfiguration())
    }
}

/// Set when shutdown begins, so that `/health` answers 503 while the process drains.
public final class Readiness: Sendable {
    private let draining = Mutex(false)

    public init() {}

    public var isDraining: Bool { draining.withLock { $0 } }

    public func beginDraining() { draining.withLock { $0 = true } }
}

/// Detection's live state, for `/services` and `/health` (implemented by the executable's
/// live detection loop; a test plugs in a fixed one).
public protocol DetectionState: Sendable {
    /// The baselines rules currently judge against.
    func baselines() async -> [Baseline]
    /// Alerts waiting in the write queue for the store.
    func pendingAlerts() async -> Int
    /// Stored alerts waiting for (or in) root-cause analysis.
    func pendingAnalyses() async -> Int
    /// Per service, the counts `/services` shows when they are not this process's own (a
    /// cluster's, summed over its instances); `nil`: the local shards' counts.
    func activity(endingAtTick lastTick: Int64) async -> [ServiceActivity]?
    /// The templates side of the latest tick (top templates per service, novel ones), for
    /// `GET /services/{name}/templates`.
    func templateWindow() async -> TemplateWindow
}

extension DetectionState {
    public func pendingAnalyses() async -> Int { 0 }

    public func activity(endingAtTick lastTick: Int64) async -> [ServiceActivity]? { nil }
    public func templateWindow() async -> TemplateWindow { TemplateWindow() }
}
