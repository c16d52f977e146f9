import Detect
import Foundation
import SQLiteNIO
import Testing
@testable import Store

@Suite struct SQLiteStoreTests {
    @Test func migrationsAreIdempotentAndRecordTheirVersion() async throws {
        try await withTemporaryDatabasePath { path throws in
            try await withStore(at: path) { store throws in
                try await store.migrate()
                try await store.saveBaselines([Baseline(scope: .overall, windowSeconds: 300, volume: 10, windowsObserved: 1)])
            }
            // A second process start: migrating again keeps the data and records version 1 once.
            try await withStore(at: path) { store throws in
                try await store.migrate()
                let versions: [SQLiteRow] = try await store.connection.query("SELECT version FROM schema_migrations")
                #expect(versions.count == 1)
                #expect(versions.first?.column("version")?.integer == 1)
                #expect(try await store.loadBaselines(windowSeconds: 300).count == 1)
                let mode: [SQLiteRow] = try await store.connection.query("PRAGMA journal_mode")
                #expect(mode.first?.column("journal_mode")?.string == "wal")
            }
        }
    }

    @Test func refusesASchemaNewerThanItKnows() async throws {
        try await withTemporaryDatabasePath { path throws in
            try await withStore(at: path) { store throws in
                _ = try await store.connection.query("INSERT INTO schema_migrations (version, applied_at) VALUES (99, 0)")
                await #expect(throws: StoreError.schemaTooNew(found: 99, known: 1)) { try await store.migrate() }
            }
        }
    }

    @Test func baselinesRoundTripAndUpsert() async throws {
        try await withTemporaryDatabasePath { path throws in
            try await withStore(at: path) { store throws in
                let baselines = [
                    Baseline(scope: .overall, windowSeconds: 300, errorRate: 0.01, volume: 1500.5, serviceCount: 5,
                             windowsObserved: 12, lastWindowEnd: 1_705_314_600),
                    Baseline(scope: .service("payments"), windowSeconds: 300, errorRate: 0.2, volume: 300,
                             serviceCount: 1, windowsObserved: 3, lastWindowEnd: nil),
                    Baseline(scope: .service("overall"), windowSeconds: 300, volume: 7, windowsObserved: 1),
                    Baseline(scope: .overall, windowSeconds: 60, volume: 99, windowsObserved: 1),
                ]
                try await store.saveBaselines(baselines)
                let loaded = try await store.loadBaselines(windowSeconds: 300)
                #expect(Set(loaded) == Set(baselines.filter { $0.windowSeconds == 300 }))
                #expect(try await store.loadBaselines(windowSeconds: 60) == [baselines[3]])

                var updated = baselines[1]
                updated.update(with: ScopeMetrics(errorRate: 0.5, volume: 100, serviceCount: 1), alpha: 0.2, windowEnd: 1_705_314_900)
                try await store.saveBaselines([updated])
                let reloaded = try await store.loadBaselines(windowSeconds: 300)
                #expect(reloaded.count == 3)
                #expect(reloaded.first { $0.scope == .service("payments") } == updated)
            }
        }
    }

    @Test func alertsComeBackWholeNewestFirstUpToTheLimit() async throws {
        try await withTemporaryDatabasePath { path throws in
            try await withStore(at: path) { store throws in
                let alerts = [
                    sampleAlert(id: "anom_20240115_103000_1", detectedAt: 1_705_314_600),
                    sampleAlert(id: "anom_20240115_104500_1", detectedAt: 1_705_315_500, category: .volumeSpike),
                    sampleAlert(id: "anom_20240115_104500_2", detectedAt: 1_705_315_500, category: .serviceChange),
                    sampleAlert(id: "anom_20240115_101500_1", detectedAt: 1_705_313_700),
                ]
                for alert in alerts { try await store.insertAlert(alert) }
                // A retried write keeps the first copy.
                var retried = alerts[0]
                retried.description = "changed"
                try await store.insertAlert(retried)

                let all = try await store.recentAlerts(limit: 10)
                #expect(all.map(\.anomalyID) == [
                    "anom_20240115_104500_2", "anom_20240115_104500_1", "anom_20240115_103000_1", "anom_20240115_101500_1",
                ])
                #expect(all.first { $0.anomalyID == alerts[0].anomalyID } == alerts[0])
                #expect(try await store.recentAlerts(limit: 2).map(\.anomalyID) == ["anom_20240115_104500_2", "anom_20240115_104500_1"])
                #expect(try await store.recentAlerts(limit: 0).isEmpty)
            }
        }
    }

    @Test func updateAnalysisFillsTheAnalysisFields() async throws {
        try await withTemporaryDatabasePath { path throws in
            try await withStore(at: path) { store throws in
                let alert = sampleAlert(id: "anom_20240115_103045_1", detectedAt: 1_705_314_645)
                try await store.insertAlert(alert)
                try await store.updateAnalysis(
                    anomalyID: alert.anomalyID,
                    rootCause: "database connection pool exhausted",
                    impact: "checkout failing for ~30% of requests",
                    recommendedActions: ["raise pool size", "check DB latency"],
                    confidence: 0.8,
                    source: "claude"
                )
                var expected = alert
                expected.rootCause = "database connection pool exhausted"
                expected.impact = "checkout failing for ~30% of requests"
                expected.recommendedActions = ["raise pool size", "check DB latency"]
                expected.confidence = 0.8
                expected.analysisSource = "claude"
                #expect(try await store.recentAlerts(limit: 1) == [expected])

                await #expect(throws: StoreError.alertNotFound(anomalyID: "anom_missing")) {
                    try await store.updateAnalysis(anomalyID: "anom_missing", rootCause: nil, impact: nil,
                                                   recommendedActions: [], confidence: nil, source: "offline")
                }
            }
        }
    }

    @Test func inMemoryStoreWorksForTests() async throws {
        let store = try await SQLiteStore.open(.memory)
        try await store.migrate()
        #expect(try await store.admitAlert(category: .errorSpike, at: 0, cooldownSeconds: 900))
        try await store.close()
        try await store.close()  // idempotent
        await #expect(throws: StoreError.closed) { _ = try await store.recentAlerts(limit: 1) }
    }

    @Test func concurrentOperationsOnOneStoreDoNotInterleaveTransactions() async throws {
        try await withTemporaryDatabasePath { path throws in
            try await withStore(at: path) { store throws in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<20 {
                        group.addTask {
                            try await store.saveBaselines([
                                Baseline(scope: .service("s\(index)"), windowSeconds: 300, volume: Double(index), windowsObserved: 1),
                                Baseline(scope: .overall, windowSeconds: 300, volume: Double(index), windowsObserved: 1),
                            ])
                        }
                        group.addTask { try await store.insertAlert(sampleAlert(id: "anom_\(index)", detectedAt: Int64(index))) }
                    }
                    try await group.waitForAll()
                }
                #expect(try await store.loadBaselines(windowSeconds: 300).count == 21)
                #expect(try await store.recentAlerts(limit: 100).count == 20)
            }
        }
    }
}
