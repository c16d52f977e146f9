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

/// Opens a migrated SQLite store on `path`, runs `body`, and closes it even when `body` throws.
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

/// Opens the store `database` names (migrated, through the public entry point), runs `body`,
/// and closes it even when `body` throws.
func withStore(_ database: DatabaseURL, _ body: (any VigilStore) async throws -> Void) async throws {
    let store = try await database.openStore()
    do {
        try await body(store)
        try await store.close()
    } catch {
        try? await store.close()
        throw error
    }
}

/// A backend the ``StoreContract`` runs against, each test on a database of its own.
enum StoreBackend: Sendable {
    case sqlite
    case postgres

    /// Runs `body` with the URL of a new, empty database, removed afterwards. Open it as often
    /// as needed: several opens stand for several processes or restarts.
    func withFreshDatabase(_ body: (DatabaseURL) async throws -> Void) async throws {
        switch self {
        case .sqlite:
            try await withTemporaryDatabasePath { path in try await body(.sqlite(.file(path: path))) }
        case .postgres:
            try await PostgresTestServer.withFreshDatabase(body)
        }
    }
}

/// A template sample with text that needs escaping in JSON.
let sampleTemplate = TemplateSample(
    service: "payments", templateID: "00ff00ff00ff00ff", template: "charge <*> failed: \"card declined\"", count: 42,
    example: "charge 991 failed: \"card declined\"", firstSeen: 1_705_314_000, severity: 3)

func sampleAlert(id: String, detectedAt: Int64, category: AnomalyCategory = .errorSpike) -> Alert {
    let anomaly = Anomaly(
        category: category,
        severity: .high,
        scope: .service("payments"),
        windowSeconds: 60,
        affectedServices: ["payments"],
        current: ScopeMetrics(errorRate: 0.3, volume: 600, serviceCount: 1),
        baseline: ScopeMetrics(errorRate: 0.01, volume: 300, serviceCount: 1),
        multiplier: 30,
        appearedServices: ["new-svc"],
        vanishedServices: [],
        pattern: category == .newPattern ? sampleTemplate : nil,
        description: "payments error rate 30.0% (30.0× baseline 1.0%)"
    )
    var alert = Alert(
        anomalyID: id,
        detectedAt: detectedAt,
        severity: .high,
        category: category,
        scope: .service("payments"),
        windowSeconds: 60,
        affectedServices: ["payments", "api \"gateway\""],
        description: anomaly.description,
        current: anomaly.current,
        baseline: anomaly.baseline,
        multiplier: anomaly.multiplier,
        anomalies: [anomaly],
        sampleMessages: ["<11>1 2024-01-15T10:30:45Z host payments - - - timeout/connect", "ünïcödé"]
    )
    alert.samples = [sampleTemplate]
    return alert
}
