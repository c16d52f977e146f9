import Analyze
import Detect
import Store

/// An error_spike in payments, as the detector raises it, with error samples of two shapes.
func paymentsAlert(id: String = "anom_20240115_010100_1", samples: [String]? = nil) -> Alert {
    let anomaly = Anomaly(
        category: .errorSpike,
        severity: .high,
        scope: .service("payments"),
        windowSeconds: 60,
        affectedServices: ["payments"],
        current: ScopeMetrics(errorRate: 0.3, volume: 600, serviceCount: 1),
        baseline: ScopeMetrics(errorRate: 0.01, volume: 590, serviceCount: 1),
        multiplier: 30,
        description: "payments error rate 30.0% (30.0× baseline 1.0%)"
    )
    return Alert(
        anomalyID: id,
        detectedAt: 1_705_280_460,
        severity: .high,
        category: .errorSpike,
        scope: .service("payments"),
        windowSeconds: 60,
        affectedServices: ["payments"],
        description: anomaly.description,
        current: anomaly.current,
        baseline: anomaly.baseline,
        multiplier: 30,
        anomalies: [anomaly],
        sampleMessages: samples ?? [
            "Database connection timeout after 3000 ms (pool 20/20) order=81723",
            "Database connection timeout after 3012 ms (pool 20/20) order=81725",
            "Database connection timeout after 2999 ms (pool 20/20) order=81726",
            "card declined by issuer for 10.2.0.17:443",
        ]
    )
}

/// A migrated in-memory SQLite store holding `alerts` ("pending"); closed after `body`.
func withAlertStore(_ alerts: [Alert], _ body: (any VigilStore) async throws -> Void) async throws {
    let store = try await SQLiteStore.open(.memory)
    do {
        try await store.migrate()
        for alert in alerts { try await store.insertAlert(alert) }
        try await body(store)
        try await store.close()
    } catch {
        try? await store.close()
        throw error
    }
}

/// The stored alert with `id`.
func stored(_ id: String, in store: any VigilStore) async throws -> Alert? {
    try await store.recentAlerts(limit: 1000).first { $0.anomalyID == id }
}

/// A configuration for the stand-in: short deadlines and backoffs so the tests are quick.
func standInConfiguration(_ baseURL: String, totalTimeout: Duration = .seconds(5)) -> AnalyzerConfiguration {
    var configuration = AnalyzerConfiguration()
    configuration.apiKey = "test-key-not-real"
    configuration.baseURL = baseURL
    configuration.totalTimeout = totalTimeout
    configuration.connectTimeout = .seconds(2)
    configuration.initialBackoff = .milliseconds(20)
    configuration.maximumBackoff = .milliseconds(100)
    return configuration
}
