import Detect
import Foundation
@testable import Store

/// Runs `body` with the path of a database file in a fresh temporary folder (one level deeper
/// than exists, so opening must create it), then deletes the folder with the WAL side files.
func withTemporaryDatabasePath(_ body: (String) async throws -> Void) async throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-store-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    try await body(folder.appendingPathComponent("data/vigil.db").path)
}

/// Opens a migrated store on `path`, runs `body`, and closes it even when `body` throws.
func withStore(at path: String, _ body: (SQLiteStore) async throws -> Void) async throws {
    let store = try await SQLiteStore.open(.file(path: path))
    do {
        try await store.migrate()
        try await body(store)
        try await store.close()
    } catch {
        try? await store.close()
        throw error
    }
}

func sampleAlert(id: String, detectedAt: Int64, category: AnomalyCategory = .errorSpike) -> Alert {
    let anomaly = Anomaly(
        category: category,
        severity: .high,
        scope: .service("payments"),
        affectedServices: ["payments"],
        current: ScopeMetrics(errorRate: 0.3, volume: 600, serviceCount: 1),
        baseline: ScopeMetrics(errorRate: 0.01, volume: 300, serviceCount: 1),
        multiplier: 30,
        appearedServices: ["new-svc"],
        vanishedServices: [],
        description: "payments error rate 30.0% (30.0× baseline 1.0%)"
    )
    return Alert(
        anomalyID: id,
        detectedAt: detectedAt,
        severity: .high,
        category: category,
        affectedServices: ["payments", "api \"gateway\""],
        description: anomaly.description,
        current: anomaly.current,
        baseline: anomaly.baseline,
        multiplier: anomaly.multiplier,
        anomalies: [anomaly],
        sampleMessages: ["<11>1 2024-01-15T10:30:45Z host payments - - - timeout/connect", "ünïcödé"]
    )
}
