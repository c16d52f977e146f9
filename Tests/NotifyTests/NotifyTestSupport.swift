import Detect
import Foundation
import Notify
import Store

/// An error_spike in payments, pending analysis.
func paymentsAlert(id: String = "anom_20240115_103045", detectedAt: Int64 = 1_705_314_645) -> Alert {
    let anomaly = Anomaly(
        category: .errorSpike, severity: .high, scope: .service("payments"), affectedServices: ["payments"],
        current: ScopeMetrics(errorRate: 0.35, volume: 600, serviceCount: 1),
        baseline: ScopeMetrics(errorRate: 0.01, volume: 590, serviceCount: 1), multiplier: 35,
        description: "Error rate 35.0% for service payments over the last 300 s (baseline 1.0%, 35.0x)")
    return Alert(
        anomalyID: id, detectedAt: detectedAt, severity: .high, category: .errorSpike, affectedServices: ["payments", "edge"],
        description: anomaly.description, current: anomaly.current, baseline: anomaly.baseline, multiplier: 35,
        anomalies: [anomaly], sampleMessages: ["Database connection timeout after 3000 ms <pool> & \"retry\""])
}

let claudeAnalysis = AlertAnalysis(
    rootCause: "Database connection pool exhausted in payments", impact: "About 35% of payments fail",
    recommendedActions: ["Raise the pool size", "Look for long-running queries"], confidence: 0.82, source: "claude")

/// Quick retries and polls, for tests.
func quickConfiguration(_ targets: [NotificationTarget], secret: String? = nil) -> NotifyConfiguration {
    NotifyConfiguration(
        targets: targets, webhookSecret: secret, instance: "vigil-test-host", publicURL: "http://vigil.example:8000",
        timeout: .seconds(2), concurrency: 4, initialBackoff: .milliseconds(50), maximumBackoff: .milliseconds(200),
        pollInterval: .milliseconds(50))
}

/// A migrated SQLite store in a temporary folder (a file, so several stores can share it).
func withTemporaryStore(_ body: (String) async throws -> Void) async throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-notify-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    try await body(folder.appendingPathComponent("vigil.db").path)
}

func openStore(_ path: String) async throws -> any VigilStore {
    try await DatabaseURL.sqlite(.file(path: path)).openStore()
}

/// Polls `condition` every 20 ms until it holds or `timeout` passes; returns whether it held
/// (a condition that throws counts as not holding yet).
func eventually(timeout: Duration = .seconds(15), _ condition: () async throws -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if (try? await condition()) == true { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return (try? await condition()) == true
}

/// The wall clock in the outbox's unit.
func nowMilliseconds() -> Int64 { OutboxClock.milliseconds() }
