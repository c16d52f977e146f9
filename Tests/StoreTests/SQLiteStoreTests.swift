import Detect
import Foundation
import SQLiteNIO
import Testing
@testable import Store

@Suite struct SQLiteStoreTests {
    // The backend-neutral behaviour (StoreContract).
    @Test func admitsFirstRefusesWithinCooldownAdmitsAfter() async throws { try await StoreContract.admitsFirstRefusesWithinCooldownAdmitsAfter(.sqlite) }
    @Test func cooldownSurvivesReopening() async throws { try await StoreContract.cooldownSurvivesReopening(.sqlite) }
    @Test func twoStoresOnOneDatabaseAdmitExactlyOneAtTheSameInstant() async throws { try await StoreContract.twoStoresOnOneDatabaseAdmitExactlyOneAtTheSameInstant(.sqlite) }
    @Test func manyRacingTasksOnTwoStoresAdmitExactlyOne() async throws { try await StoreContract.manyRacingTasksOnTwoStoresAdmitExactlyOne(.sqlite) }
    @Test func migratingAgainKeepsTheData() async throws { try await StoreContract.migratingAgainKeepsTheData(.sqlite) }
    @Test func baselinesRoundTripAndUpsert() async throws { try await StoreContract.baselinesRoundTripAndUpsert(.sqlite) }
    @Test func templatesRoundTripAndUpsert() async throws { try await StoreContract.templatesRoundTripAndUpsert(.sqlite) }
    @Test func alertsComeBackWholeNewestFirstUpToTheLimit() async throws { try await StoreContract.alertsComeBackWholeNewestFirstUpToTheLimit(.sqlite) }
    @Test func updateAnalysisFillsTheAnalysisFields() async throws { try await StoreContract.updateAnalysisFillsTheAnalysisFields(.sqlite) }
    @Test func alertsInsertedWithAnAnalysisKeepIt() async throws { try await StoreContract.alertsInsertedWithAnAnalysisKeepIt(.sqlite) }
    @Test func alertsFilterByCategoryServiceAndSince() async throws { try await StoreContract.alertsFilterByCategoryServiceAndSince(.sqlite) }
    @Test func alertIsFoundByItsIDAndMissingIsNil() async throws { try await StoreContract.alertIsFoundByItsIDAndMissingIsNil(.sqlite) }
    @Test func concurrentOperationsOnOneStoreDoNotInterleaveTransactions() async throws { try await StoreContract.concurrentOperationsOnOneStoreDoNotInterleaveTransactions(.sqlite) }
    @Test func concurrentStartsOnOneDatabaseAllSucceed() async throws { try await StoreContract.concurrentStartsOnOneDatabaseAllSucceed(.sqlite) }
    @Test func closedStoreRefusesOperations() async throws { try await StoreContract.closedStoreRefusesOperations(.sqlite) }
    @Test func cooldownIsPerCategoryAndScope() async throws { try await StoreContract.cooldownIsPerCategoryAndScope(.sqlite) }
    @Test func alertsWithinTheCorrelationWindowShareAnIncident() async throws { try await StoreContract.alertsWithinTheCorrelationWindowShareAnIncident(.sqlite) }
    @Test func resolvingAKeyResolvesItsAlertsAndClosesTheIncident() async throws { try await StoreContract.resolvingAKeyResolvesItsAlertsAndClosesTheIncident(.sqlite) }
    @Test func twoStoresJoiningAtOnceOpenOneIncident() async throws { try await StoreContract.twoStoresJoiningAtOnceOpenOneIncident(.sqlite) }
    @Test func resolvingEnqueuesEachResolvedAlertsRowsInTheSameWrite() async throws { try await StoreContract.resolvingEnqueuesEachResolvedAlertsRowsInTheSameWrite(.sqlite) }
    @Test func alertAndAnalysisEnqueueTheirRowsOnce() async throws { try await StoreContract.alertAndAnalysisEnqueueTheirRowsOnce(.sqlite) }
    @Test func aFailedOutboxWriteLeavesNoAlert() async throws { try await StoreContract.aFailedOutboxWriteLeavesNoAlert(.sqlite) }
    @Test func claimsAreDueLeasedOrderedAndRecorded() async throws { try await StoreContract.claimsAreDueLeasedOrderedAndRecorded(.sqlite) }
    @Test func expiredLeasesAndReleasedRowsAreClaimedAgain() async throws { try await StoreContract.expiredLeasesAndReleasedRowsAreClaimedAgain(.sqlite) }
    @Test func racingClaimsTakeDisjointRows() async throws { try await StoreContract.racingClaimsTakeDisjointRows(.sqlite) }
    @Test func finishedRowsArePruned() async throws { try await StoreContract.finishedRowsArePruned(.sqlite) }

    // SQLite only.
    @Test func migrationsAreIdempotentAndRecordTheirVersion() async throws {
        try await withTemporaryDatabasePath { path throws in
            try await withStore(at: path) { store throws in
                try await store.migrate()
                try await store.saveBaselines([Baseline(scope: .overall, windowSeconds: 300, volume: 10, windowsObserved: 1)])
            }
            // A second process start: migrating again keeps the data and records each version once.
            try await withStore(at: path) { store throws in
                try await store.migrate()
                let versions: [SQLiteRow] = try await store.connection.query("SELECT version FROM schema_migrations ORDER BY version")
                #expect(versions.compactMap { $0.column("version")?.integer } == SchemaMigration.sqlite.map(\.version))
                #expect(try await store.loadBaselines(windowSeconds: 300).count == 1)
                let mode: [SQLiteRow] = try await store.connection.query("PRAGMA journal_mode")
                #expect(mode.first?.column("journal_mode")?.string == "wal")
            }
        }
    }

    @Test func version2AddsTheAnalysisColumnsToAVersion1Database() async throws {
        try await withTemporaryDatabasePath { path throws in
            // A database as a version-1 Vigil left it, with one alert.
            let old = try await SQLiteStore.open(.file(path: path))
            let _: [SQLiteRow] = try await old.connection.query(
                "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)")
            for statement in SchemaMigration.sqlite[0].statements {
                let _: [SQLiteRow] = try await old.connection.query(statement)
            }
            let _: [SQLiteRow] = try await old.connection.query("INSERT INTO schema_migrations VALUES (1, 0)")
            let _: [SQLiteRow] = try await old.connection.query(
                """
                INSERT INTO alerts VALUES ('anom_v1', 1000, 'high', 'error_spike', '["api"]', 'd', 0.3, 10, 1, 0.01, 10, 1,
                    30, '[]', '["boom"]', NULL, NULL, '[]', NULL, 'pending')
                """)
            try await old.close()

            try await withStore(at: path) { store throws in
                let alerts = try await store.recentAlerts(limit: 5)
                #expect(alerts.map(\.anomalyID) == ["anom_v1"])
                #expect(alerts.first?.analysis == AlertAnalysis(rootCause: nil, impact: nil, recommendedActions: [], confidence: nil, source: "pending"))
                let offline = AlertAnalysis(rootCause: "x", impact: nil, recommendedActions: [], confidence: nil, source: "offline", error: "timeout")
                try await store.updateAnalysis(anomalyID: "anom_v1", offline)
                #expect(try await store.recentAlerts(limit: 1).first?.analysis == offline)
            }
        }
    }

    @Test func version5KeepsAVersion3DatabasesCooldownsAndAlerts() async throws {
        try await withTemporaryDatabasePath { path throws in
            // A database as a version-3 Vigil left it: a cooldown per category and one alert.
            let old = try await SQLiteStore.open(.file(path: path))
            let _: [SQLiteRow] = try await old.connection.query(
                "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)")
            for migration in SchemaMigration.sqlite where migration.version <= 3 {
                for statement in migration.statements { let _: [SQLiteRow] = try await old.connection.query(statement) }
                let _: [SQLiteRow] = try await old.connection.query("INSERT INTO schema_migrations VALUES (\(migration.version), 0)")
            }
            let _: [SQLiteRow] = try await old.connection.query("INSERT INTO cooldowns VALUES ('error_spike', 1000)")
            let _: [SQLiteRow] = try await old.connection.query(
                """
                INSERT INTO alerts (anomaly_id, detected_at, severity, category, affected_services, description,
                    current_error_rate, current_volume, current_service_count, baseline_error_rate, baseline_volume,
                    baseline_service_count, multiplier, anomalies, sample_messages, recommended_actions, analysis_source)
                VALUES ('anom_v3', 1000, 'high', 'error_spike', '["api"]', 'd', 0.3, 10, 1, 0.01, 10, 1, 30, '[]', '[]', '[]', 'offline')
                """)
            try await old.close()

            try await withStore(at: path) { store throws in
                // The category's cooldown became the overall scope's; services have their own.
                #expect(try await !store.admitAlert(AlertKey(.errorSpike, .overall), at: 1500, cooldownSeconds: 900))
                #expect(try await store.admitAlert(AlertKey(.errorSpike, .service("api")), at: 1500, cooldownSeconds: 900))
                let alert = try #require(try await store.alert(anomalyID: "anom_v3"))
                #expect(alert.scope == .overall && alert.windowSeconds == 0 && alert.incidentID == nil && alert.resolvedAt == nil)
                // Old alerts are unresolved: a new detector watches their key and resolves them.
                #expect(try await store.unresolvedAlertKeys() == [AlertKey(.errorSpike, .overall)])
                #expect(try await store.resolveAlerts(AlertKey(.errorSpike, .overall), at: 2000) == ["anom_v3"])
            }
        }
    }

    @Test func aMissingVersionBelowTheHighestIsStillApplied() async throws {
        try await withTemporaryDatabasePath { path throws in
            // A database migrated by a build that had every version but one in the middle (features
            // land in parallel): that version's tables must still arrive.
            let gap = SchemaMigration.sqlite[SchemaMigration.sqlite.count / 2].version
            let old = try await SQLiteStore.open(.file(path: path))
            let _: [SQLiteRow] = try await old.connection.query(
                "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)")
            for migration in SchemaMigration.sqlite where migration.version != gap {
                for statement in migration.statements { let _: [SQLiteRow] = try await old.connection.query(statement) }
                let _: [SQLiteRow] = try await old.connection.query("INSERT INTO schema_migrations VALUES (?, 0)", [.integer(migration.version)])
            }
            try await old.close()
            try await withStore(at: path) { store throws in
                let versions: [SQLiteRow] = try await store.connection.query("SELECT version FROM schema_migrations ORDER BY version")
                #expect(versions.compactMap { $0.column("version")?.integer } == SchemaMigration.sqlite.map(\.version))
            }
        }
    }

    @Test func refusesASchemaNewerThanItKnows() async throws {
        try await withTemporaryDatabasePath { path throws in
            try await withStore(at: path) { store throws in
                let _: [SQLiteRow] = try await store.connection.query("INSERT INTO schema_migrations (version, applied_at) VALUES (99, 0)")
                await #expect(throws: StoreError.schemaTooNew(found: 99, known: SchemaMigration.sqlite.latestVersion)) { try await store.migrate() }
            }
        }
    }

    @Test func inMemoryStoreWorksForTests() async throws {
        let store = try await SQLiteStore.open(.memory)
        try await store.migrate()
        #expect(try await store.admitAlert(AlertKey(.errorSpike, .overall), at: 0, cooldownSeconds: 900))
        try await store.close()
        try await store.close()  // idempotent
        await #expect(throws: StoreError.closed) { _ = try await store.recentAlerts(limit: 1) }
    }

}
