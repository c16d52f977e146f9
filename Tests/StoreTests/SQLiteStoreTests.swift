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
    @Test func alertsComeBackWholeNewestFirstUpToTheLimit() async throws { try await StoreContract.alertsComeBackWholeNewestFirstUpToTheLimit(.sqlite) }
    @Test func updateAnalysisFillsTheAnalysisFields() async throws { try await StoreContract.updateAnalysisFillsTheAnalysisFields(.sqlite) }
    @Test func alertsFilterByCategoryServiceAndSince() async throws { try await StoreContract.alertsFilterByCategoryServiceAndSince(.sqlite) }
    @Test func alertIsFoundByItsIDAndMissingIsNil() async throws { try await StoreContract.alertIsFoundByItsIDAndMissingIsNil(.sqlite) }
    @Test func concurrentOperationsOnOneStoreDoNotInterleaveTransactions() async throws { try await StoreContract.concurrentOperationsOnOneStoreDoNotInterleaveTransactions(.sqlite) }
    @Test func concurrentStartsOnOneDatabaseAllSucceed() async throws { try await StoreContract.concurrentStartsOnOneDatabaseAllSucceed(.sqlite) }
    @Test func closedStoreRefusesOperations() async throws { try await StoreContract.closedStoreRefusesOperations(.sqlite) }

    // SQLite only.
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
                let _: [SQLiteRow] = try await store.connection.query("INSERT INTO schema_migrations (version, applied_at) VALUES (99, 0)")
                await #expect(throws: StoreError.schemaTooNew(found: 99, known: 1)) { try await store.migrate() }
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

}
