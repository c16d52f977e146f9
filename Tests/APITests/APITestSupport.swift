import API
import Detect
import Foundation
import History
import Hummingbird
import HummingbirdTesting
import Ingest
import Logging
import Prometheus
import Store
import Testing

/// A real API over a real receiver (no syslog sockets: HTTP is the transport under test), an
/// in-memory SQLite store and its own metrics registry, served on a loopback port.
struct APIFixture {
    let receiver: Receiver
    let store: any VigilStore
    let metrics: VigilMetrics
    let readiness = Readiness()
    let detection: FixedDetectionState
    let history: HistoryRecorder?

    init(
        baselines: [Baseline] = [], templates: TemplateWindow = TemplateWindow(), database: DatabaseURL = .sqlite(.memory),
        history makeHistory: ((any VigilStore, ShardSet) -> HistoryRecorder)? = nil, allow: [String] = []
    ) async throws {
        receiver = try Receiver(
            configuration: .init(udp: [], tcp: [], allow: try SourceAllowlist(parsing: allow)),
            shards: ShardSet(configuration: .init(shardCount: 2)), logger: Logger(label: "test"))
        store = try await database.openStore()
        metrics = VigilMetrics(registry: PrometheusCollectorRegistry(), receiver: receiver)
        detection = FixedDetectionState(baselines: baselines, templates: templates)
        history = makeHistory?(store, receiver.shards)
    }

    func application(token: String? = nil, maxBodyBytes: Int = 10 << 20, uploadToken: String? = nil) -> some ApplicationProtocol {
        HTTPAPI.application(
            configuration: .init(host: "127.0.0.1", port: 0, token: token, maxBodyBytes: maxBodyBytes, uploadToken: uploadToken),
            dependencies: .init(
                receiver: receiver, store: store, metrics: metrics, detection: detection, readiness: readiness,
                windowSeconds: 300, tickSeconds: 10, history: history),
            logger: Logger(label: "test"))
    }

    /// Runs `body` against the server on a live loopback socket, then (unless `keepOpen`)
    /// stops the receiver and closes the store — also when `body` throws.
    func live(
        token: String? = nil, maxBodyBytes: Int = 10 << 20, uploadToken: String? = nil, keepOpen: Bool = false,
        _ body: @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        do {
            try await application(token: token, maxBodyBytes: maxBodyBytes, uploadToken: uploadToken).test(.live, body)
        } catch {
            if !keepOpen { await shutDown() }
            throw error
        }
        if !keepOpen { await shutDown() }
    }

    func shutDown() async {
        receiver.stop()
        try? await store.close()
    }

    /// A sample's value in the `/metrics` text, e.g. `vigil_received_messages_total{transport="http"}`.
    static func sample(_ name: String, in text: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1))
        }
        return nil
    }
}

struct FixedDetectionState: DetectionState {
    let fixed: [Baseline]
    let templates: TemplateWindow
    init(baselines: [Baseline], templates: TemplateWindow = TemplateWindow()) {
        fixed = baselines
        self.templates = templates
    }
    func baselines() async -> [Baseline] { fixed }
    func pendingAlerts() async -> Int { 0 }
    func templateWindow() async -> TemplateWindow { templates }
}

extension ByteBuffer {
    var text: String { String(buffer: self) }

    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(String(buffer: self).utf8))) as? [String: Any] ?? [:]
    }
}

func jsonBody(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

/// The README's example batch (the original API's shape).
let readmeBatch = """
    {"logs":[{"timestamp":"2024-01-15T10:30:00Z","level":"ERROR","service":"payment-api",\
    "message":"Database connection timeout","context":{"duration_ms":5000}}]}
    """

func sampleAlert(id: String, detectedAt: Int64, category: AnomalyCategory = .errorSpike, services: [String] = ["payments"]) -> Alert {
    let anomaly = Anomaly(
        category: category, severity: .high, scope: .service(services[0]), windowSeconds: 60, affectedServices: services,
        current: ScopeMetrics(errorRate: 0.3, volume: 600, serviceCount: 1),
        baseline: ScopeMetrics(errorRate: 0.01, volume: 300, serviceCount: 1),
        multiplier: 30, appearedServices: [], vanishedServices: [], description: "\(services[0]) error rate 30.0%")
    return Alert(
        anomalyID: id, detectedAt: detectedAt, severity: .high, category: category, scope: .service(services[0]), windowSeconds: 60,
        affectedServices: services,
        description: anomaly.description, current: anomaly.current, baseline: anomaly.baseline, multiplier: 30,
        anomalies: [anomaly], sampleMessages: ["Database connection timeout"])
}
