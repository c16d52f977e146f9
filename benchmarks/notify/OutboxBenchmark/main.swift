// What the outbox costs and how fast it drains (release build; see benchmarks/notify/README.md):
//  1. storing an alert alone, then with its three outbox rows in the same transaction;
//  2. the delivery worker draining rows to a target that answers at once (an in-process
//     transport: the store's claim-and-record cycle and the worker's own overhead, no network).
// Backends: SQLite (a file in a temporary folder) and, with VIGIL_BENCH_POSTGRES_URL, PostgreSQL.
import Detect
import Foundation
import Notify
import Store

struct InstantTarget: NotificationTransport {
    func send(_ request: OutgoingRequest, timeout: Duration) async -> TransportResult {
        .answered(status: 200, retryAfter: nil, body: [])
    }

    func shutdown() async {}
}

func alert(_ index: Int, prefix: String) -> Alert {
    let anomaly = Anomaly(
        category: .errorSpike, severity: .high, scope: .service("payments"), affectedServices: ["payments"],
        current: ScopeMetrics(errorRate: 0.35, volume: 600, serviceCount: 1),
        baseline: ScopeMetrics(errorRate: 0.01, volume: 590, serviceCount: 1), multiplier: 35,
        description: "Error rate 35.0% for service payments")
    return Alert(
        anomalyID: "anom_\(prefix)_\(index)", detectedAt: 1_705_314_645 + Int64(index), severity: .high, category: .errorSpike,
        affectedServices: ["payments"], description: anomaly.description, current: anomaly.current, baseline: anomaly.baseline,
        multiplier: 35, anomalies: [anomaly], sampleMessages: Array(repeating: "Database connection timeout after 3000 ms", count: 10))
}

func seconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

func run(_ name: String, _ url: DatabaseURL, alerts count: Int) async throws {
    let store = try await url.openStore()
    let configuration = NotifyConfiguration(
        targets: [
            NotificationTarget(kind: .alertmanager, url: "http://am.invalid:9093"),
            NotificationTarget(kind: .webhook, url: "http://hook.invalid/vigil"),
            NotificationTarget(kind: .slack, url: "https://hooks.slack.invalid/services/T/B/x"),
        ],
        concurrency: 4, pollInterval: .milliseconds(50))

    var start = ContinuousClock.now
    for index in 0..<count { try await store.insertAlert(alert(index, prefix: "plain")) }
    let plain = seconds(since: start) / Double(count)

    start = ContinuousClock.now
    for index in 0..<count {
        let alert = alert(index, prefix: "notified")
        try await store.insertAlert(alert, notifying: configuration.outboxEntries(for: alert, event: .created))
    }
    let notified = seconds(since: start) / Double(count)
    print(String(format: "%@: store an alert %.3f ms; with 3 outbox rows in its transaction %.3f ms (x%.2f)",
                 name, plain * 1000, notified * 1000, notified / plain))

    let rows = try await store.pendingDeliveryCount()
    let worker = DeliveryWorker(store: store, configuration: configuration, transport: InstantTarget())
    start = ContinuousClock.now
    let running = Task { await worker.run(grace: .seconds(1)) }
    while try await store.pendingDeliveryCount() > 0 { try await Task.sleep(for: .milliseconds(20)) }
    let drained = seconds(since: start)
    worker.stop()
    await running.value
    print(String(format: "%@: worker drained %d rows in %.2f s: %.0f deliveries/s (concurrency 4, instant target)",
                 name, rows, drained, Double(rows) / drained))
    try await store.close()
}

let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-outbox-bench-\(UUID().uuidString)")
defer { try? FileManager.default.removeItem(at: folder) }
let count = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 1000
try await run("sqlite", .sqlite(.file(path: folder.appendingPathComponent("bench.db").path)), alerts: count)
if let postgres = ProcessInfo.processInfo.environment["VIGIL_BENCH_POSTGRES_URL"], !postgres.isEmpty {
    try await run("postgres", try DatabaseURL(parsing: postgres), alerts: count)
}
