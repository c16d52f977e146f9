import Detect
import Foundation
import Testing
@testable import Store

/// Runs against the server in `VIGIL_TEST_POSTGRES_URL`, one database per test; serialized so
/// that the pools of concurrent tests stay well under the server's connection limit.
@Suite(.serialized, .enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipReason))
struct PostgresStoreTests {
    // The backend-neutral behaviour (StoreContract).
    @Test func admitsFirstRefusesWithinCooldownAdmitsAfter() async throws { try await StoreContract.admitsFirstRefusesWithinCooldownAdmitsAfter(.postgres) }
    @Test func cooldownSurvivesReopening() async throws { try await StoreContract.cooldownSurvivesReopening(.postgres) }
    @Test func twoStoresOnOneDatabaseAdmitExactlyOneAtTheSameInstant() async throws { try await StoreContract.twoStoresOnOneDatabaseAdmitExactlyOneAtTheSameInstant(.postgres) }
    @Test func manyRacingTasksOnTwoStoresAdmitExactlyOne() async throws { try await StoreContract.manyRacingTasksOnTwoStoresAdmitExactlyOne(.postgres) }
    @Test func migratingAgainKeepsTheData() async throws { try await StoreContract.migratingAgainKeepsTheData(.postgres) }
    @Test func baselinesRoundTripAndUpsert() async throws { try await StoreContract.baselinesRoundTripAndUpsert(.postgres) }
    @Test func templatesRoundTripAndUpsert() async throws { try await StoreContract.templatesRoundTripAndUpsert(.postgres) }
    @Test func alertsComeBackWholeNewestFirstUpToTheLimit() async throws { try await StoreContract.alertsComeBackWholeNewestFirstUpToTheLimit(.postgres) }
    @Test func updateAnalysisFillsTheAnalysisFields() async throws { try await StoreContract.updateAnalysisFillsTheAnalysisFields(.postgres) }
    @Test func alertsInsertedWithAnAnalysisKeepIt() async throws { try await StoreContract.alertsInsertedWithAnAnalysisKeepIt(.postgres) }
    @Test func alertsFilterByCategoryServiceAndSince() async throws { try await StoreContract.alertsFilterByCategoryServiceAndSince(.postgres) }
    @Test func alertIsFoundByItsIDAndMissingIsNil() async throws { try await StoreContract.alertIsFoundByItsIDAndMissingIsNil(.postgres) }
    @Test func concurrentOperationsOnOneStoreDoNotInterleaveTransactions() async throws { try await StoreContract.concurrentOperationsOnOneStoreDoNotInterleaveTransactions(.postgres) }
    @Test func concurrentStartsOnOneDatabaseAllSucceed() async throws { try await StoreContract.concurrentStartsOnOneDatabaseAllSucceed(.postgres) }
    @Test func closedStoreRefusesOperations() async throws { try await StoreContract.closedStoreRefusesOperations(.postgres) }
    @Test func cooldownIsPerCategoryAndScope() async throws { try await StoreContract.cooldownIsPerCategoryAndScope(.postgres) }
    @Test func alertsWithinTheCorrelationWindowShareAnIncident() async throws { try await StoreContract.alertsWithinTheCorrelationWindowShareAnIncident(.postgres) }
    @Test func resolvingAKeyResolvesItsAlertsAndClosesTheIncident() async throws { try await StoreContract.resolvingAKeyResolvesItsAlertsAndClosesTheIncident(.postgres) }
    @Test func twoStoresJoiningAtOnceOpenOneIncident() async throws { try await StoreContract.twoStoresJoiningAtOnceOpenOneIncident(.postgres) }
    @Test func resolvingEnqueuesEachResolvedAlertsRowsInTheSameWrite() async throws { try await StoreContract.resolvingEnqueuesEachResolvedAlertsRowsInTheSameWrite(.postgres) }
    @Test func alertAndAnalysisEnqueueTheirRowsOnce() async throws { try await StoreContract.alertAndAnalysisEnqueueTheirRowsOnce(.postgres) }
    @Test func aFailedOutboxWriteLeavesNoAlert() async throws { try await StoreContract.aFailedOutboxWriteLeavesNoAlert(.postgres) }
    @Test func claimsAreDueLeasedOrderedAndRecorded() async throws { try await StoreContract.claimsAreDueLeasedOrderedAndRecorded(.postgres) }
    @Test func expiredLeasesAndReleasedRowsAreClaimedAgain() async throws { try await StoreContract.expiredLeasesAndReleasedRowsAreClaimedAgain(.postgres) }
    @Test func racingClaimsTakeDisjointRows() async throws { try await StoreContract.racingClaimsTakeDisjointRows(.postgres) }
    @Test func finishedRowsArePruned() async throws { try await StoreContract.finishedRowsArePruned(.postgres) }

    // PostgreSQL only.
    @Test func concurrentStartsApplyEachMigrationOnce() async throws {
        try await StoreBackend.postgres.withFreshDatabase { database throws in
            let stores = try await withThrowingTaskGroup(of: (any VigilStore).self) { group in
                for _ in 0..<6 { group.addTask { try await database.openStore() } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            for store in stores { try await store.close() }
            let versions = try await PostgresTestServer.column("SELECT version::text FROM schema_migrations", in: database)
            #expect(versions.sorted {Int($0)! < Int($1)!} == SchemaMigration.postgres.map { String($0.version) })
        }
    }

    @Test func refusesASchemaNewerThanItKnows() async throws {
        try await StoreBackend.postgres.withFreshDatabase { database throws in
            try await withStore(database) { _ throws in }
            _ = try await PostgresTestServer.column(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (99, 0) RETURNING version::text", in: database
            )
            await #expect(throws: StoreError.schemaTooNew(found: 99, known: SchemaMigration.postgres.latestVersion)) { _ = try await database.openStore() }
        }
    }

    @Test func tiesOnDetectedAtGoToTheLaterInsert() async throws {
        try await StoreBackend.postgres.withFreshDatabase { database throws in
            try await withStore(database) { store throws in
                // Inserted in an order unrelated to the IDs' sort order.
                let ids = ["anom_c", "anom_a", "anom_d", "anom_b"]
                for id in ids { try await store.insertAlert(sampleAlert(id: id, detectedAt: 1_000)) }
                #expect(try await store.recentAlerts(limit: 10).map(\.anomalyID) == ids.reversed())
            }
        }
    }

    @Test func wrongPasswordIsAClearErrorWithoutThePassword() async throws {
        let server = try PostgresLocation(url: PostgresTestServer.url ?? "")
        var wrong = server
        wrong.password = "not-the-password-xyzzy"
        do {
            _ = try await DatabaseURL.postgres(wrong.urlWithPassword).openStore()
            Issue.record("expected an error")
        } catch {
            let message = String(describing: error)
            #expect(message.contains("\(server.host):\(server.port)"), "\(message)")
            #expect(message.contains("password authentication failed"), "\(message)")
            #expect(!message.contains("xyzzy"), "\(message)")
        }
    }
}
