import Detect
import Foundation
import SQLiteNIO
import Testing
@testable import Store

/// The outbox (``OutboxStore``), the same in every backend.
extension StoreContract {
    static let webhook = NotificationTarget(kind: .webhook, url: "http://127.0.0.1:9/hook")
    static let alertmanager = NotificationTarget(kind: .alertmanager, url: "http://127.0.0.1:9093")

    static func entries(_ event: NotificationEvent) -> [OutboxEntry] {
        [OutboxEntry(event: event, target: webhook), OutboxEntry(event: event, target: alertmanager)]
    }

    static func alertAndAnalysisEnqueueTheirRowsOnce(_ backend: StoreBackend) async throws {
        try await backend.withFreshDatabase { database throws in
            try await withStore(database) { store throws in
                let alert = sampleAlert(id: "anom_outbox", detectedAt: 1_705_314_600)
                let before = OutboxClock.milliseconds()
                try await store.insertAlert(alert, notifying: entries(.created))
                // A retried write (ambiguous failure) neither duplicates the alert nor its rows.
                try await store.insertAlert(alert, notifying: entries(.created))
                var rows = try await store.deliveries(anomalyID: alert.anomalyID)
                #expect(rows.map(\.event) == [.created, .created])
                #expect(rows.map(\.target) == [webhook, alertmanager])
                #expect(rows.allSatisfy { $0.status == .pending && $0.attempts == 0 && $0.createdAt >= before && $0.nextAttemptAt == $0.createdAt })
                #expect(rows.map(\.deliveryID) == ["anom_outbox:alert.created", "anom_outbox:alert.created"])

                let analysis = AlertAnalysis(rootCause: "pool exhausted", impact: "checkout fails", recommendedActions: ["raise the pool"], confidence: 0.8, source: "claude")
                try await store.updateAnalysis(anomalyID: alert.anomalyID, analysis, notifying: entries(.analyzed))
                try await store.updateAnalysis(anomalyID: alert.anomalyID, analysis, notifying: entries(.analyzed))
                rows = try await store.deliveries(anomalyID: alert.anomalyID)
                #expect(rows.map(\.event) == [.created, .created, .analyzed, .analyzed])
                #expect(try await store.pendingDeliveryCount() == 4)
                #expect(try await store.alert(anomalyID: alert.anomalyID)?.rootCause == "pool exhausted")

                // An unknown alert: nothing recorded, nothing enqueued.
                await #expect(throws: StoreError.alertNotFound(anomalyID: "anom_missing")) {
                    try await store.updateAnalysis(anomalyID: "anom_missing", analysis, notifying: entries(.analyzed))
                }
                #expect(try await store.deliveries(anomalyID: "anom_missing").isEmpty)
                // Without entries the plain writes enqueue nothing.
                try await store.insertAlert(sampleAlert(id: "anom_quiet", detectedAt: 1_705_314_700))
                #expect(try await store.deliveries(anomalyID: "anom_quiet").isEmpty)
            }
        }
    }

    /// The alert and its rows are one transaction: when the outbox refuses a row (a trigger here,
    /// a full disk or a lost connection in life), the alert is not recorded either.
    static func aFailedOutboxWriteLeavesNoAlert(_ backend: StoreBackend) async throws {
        try await backend.withFreshDatabase { database throws in
            try await withStore(database) { _ throws in }  // migrated
            try await backend.refuseOutboxInserts(database)
            try await withStore(database) { store throws in
                await #expect(throws: StoreError.self) {
                    try await store.insertAlert(sampleAlert(id: "anom_atomic", detectedAt: 1_000), notifying: entries(.created))
                }
                #expect(try await store.alert(anomalyID: "anom_atomic") == nil)
                // The analysis likewise: its update is rolled back with the refused row.
                try await store.insertAlert(sampleAlert(id: "anom_plain", detectedAt: 1_000))
                let analysis = AlertAnalysis(rootCause: "x", impact: nil, recommendedActions: [], confidence: nil, source: "offline")
                await #expect(throws: StoreError.self) {
                    try await store.updateAnalysis(anomalyID: "anom_plain", analysis, notifying: entries(.analyzed))
                }
                #expect(try await store.alert(anomalyID: "anom_plain")?.analysisSource == Alert.pendingAnalysis)
            }
        }
    }

    static func claimsAreDueLeasedOrderedAndRecorded(_ backend: StoreBackend) async throws {
        try await backend.withFreshDatabase { database throws in
            try await withStore(database) { store throws in
                try await store.insertAlert(sampleAlert(id: "anom_a", detectedAt: 1_000), notifying: entries(.created))
                let analysis = AlertAnalysis(rootCause: "r", impact: nil, recommendedActions: [], confidence: nil, source: "offline")
                try await store.updateAnalysis(anomalyID: "anom_a", analysis, notifying: entries(.analyzed))
                let now = OutboxClock.milliseconds() + 10

                // Only the created rows: an analyzed row waits for its target's created row.
                let first = try await store.claimDeliveries(owner: "one", now: now, leaseMilliseconds: 60_000, limit: 10)
                #expect(first.map(\.event) == [.created, .created])
                #expect(first.allSatisfy { $0.attempts == 1 && $0.lastAttemptAt == now })
                // Leased: nobody else gets them.
                #expect(try await store.claimDeliveries(owner: "two", now: now, leaseMilliseconds: 60_000, limit: 10).isEmpty)

                let toWebhook = try #require(first.first { $0.target == webhook })
                let toAlertmanager = try #require(first.first { $0.target == alertmanager })
                // Only the lease holder records.
                #expect(try await !store.recordDelivery(id: toWebhook.id, owner: "two", .delivered(status: 200, at: now)))
                #expect(try await store.recordDelivery(id: toWebhook.id, owner: "one", .delivered(status: 204, at: now + 5)))
                #expect(try await store.recordDelivery(
                    id: toAlertmanager.id, owner: "one", .retry(status: 503, error: "HTTP 503", at: now, nextAttemptAt: now + 1_000)))

                // The webhook's analyzed row is free now; the Alertmanager one still waits (its
                // created row is pending, due in a second).
                let second = try await store.claimDeliveries(owner: "two", now: now + 10, leaseMilliseconds: 60_000, limit: 10)
                #expect(second.map(\.event) == [.analyzed])
                #expect(second.map(\.target) == [webhook])
                let retried = try await store.claimDeliveries(owner: "two", now: now + 1_000, leaseMilliseconds: 60_000, limit: 10)
                #expect(retried.map(\.id) == [toAlertmanager.id])
                #expect(retried.first?.attempts == 2)
                #expect(retried.first?.lastStatus == 503 && retried.first?.lastError == "HTTP 503")
                #expect(try await store.recordDelivery(id: retried[0].id, owner: "two", .failed(status: 400, error: "HTTP 400: bad", at: now + 1_001)))
                #expect(try await store.recordDelivery(id: second[0].id, owner: "two", .delivered(status: 200, at: now + 1_002)))

                let rows = try await store.deliveries(anomalyID: "anom_a")
                let delivered = try #require(rows.first { $0.id == toWebhook.id })
                #expect(delivered.status == .delivered && delivered.lastStatus == 204 && delivered.finishedAt == now + 5 && delivered.lastError == nil)
                let failed = try #require(rows.first { $0.id == toAlertmanager.id })
                #expect(failed.status == .failed && failed.lastStatus == 400 && failed.lastError == "HTTP 400: bad" && failed.attempts == 2)
                // The Alertmanager created row was given up: its analyzed row may go.
                let last = try await store.claimDeliveries(owner: "one", now: now + 2_000, leaseMilliseconds: 60_000, limit: 10)
                #expect(last.map(\.event) == [.analyzed])
                #expect(try await store.pendingDeliveryCount() == 1)
                #expect(try await store.recentDeliveries(limit: 2).map(\.id) == [last[0].id, second[0].id].sorted(by: >))
            }
        }
    }

    /// A crashed instance's claims expire; a release makes rows due at once.
    static func expiredLeasesAndReleasedRowsAreClaimedAgain(_ backend: StoreBackend) async throws {
        try await backend.withFreshDatabase { database throws in
            try await withStore(database) { store throws in
                try await store.insertAlert(sampleAlert(id: "anom_lease", detectedAt: 1_000), notifying: entries(.created))
                let now = OutboxClock.milliseconds() + 10
                let crashed = try await store.claimDeliveries(owner: "crashed", now: now, leaseMilliseconds: 30_000, limit: 1)
                #expect(crashed.count == 1)
                #expect(try await store.claimDeliveries(owner: "other", now: now + 29_999, leaseMilliseconds: 30_000, limit: 10).count == 1)
                let reclaimed = try await store.claimDeliveries(owner: "other", now: now + 30_000, leaseMilliseconds: 30_000, limit: 10)
                #expect(reclaimed.map(\.id) == crashed.map(\.id))
                #expect(reclaimed.first?.attempts == 2)
                // The old holder's late result is refused; the new holder's counts.
                #expect(try await !store.recordDelivery(id: crashed[0].id, owner: "crashed", .delivered(status: 200, at: now + 30_001)))

                try await store.releaseDeliveries(ids: reclaimed.map(\.id), owner: "other")
                let again = try await store.claimDeliveries(owner: "third", now: now + 30_002, leaseMilliseconds: 30_000, limit: 10)
                // The released row only: the other one is still leased to "other" until now + 59 999.
                #expect(again.map(\.id) == reclaimed.map(\.id))
            }
        }
    }

    /// Two stores (processes) claiming at the same moment never get the same row.
    static func racingClaimsTakeDisjointRows(_ backend: StoreBackend) async throws {
        try await backend.withFreshDatabase { database throws in
            try await withStore(database) { first throws in
                try await withStore(database) { second throws in
                    for index in 0..<20 {
                        try await first.insertAlert(sampleAlert(id: "anom_race_\(index)", detectedAt: Int64(index)), notifying: entries(.created))
                    }
                    let now = OutboxClock.milliseconds() + 10
                    let claimed = try await withThrowingTaskGroup(of: [Int64].self) { group in
                        for round in 0..<8 {
                            let store = round.isMultiple(of: 2) ? first : second
                            group.addTask { try await store.claimDeliveries(owner: "owner\(round)", now: now, leaseMilliseconds: 60_000, limit: 7).map(\.id) }
                        }
                        return try await group.reduce(into: [Int64]()) { $0 += $1 }
                    }
                    #expect(claimed.count == 40)
                    #expect(Set(claimed).count == claimed.count)
                }
            }
        }
    }

    static func finishedRowsArePruned(_ backend: StoreBackend) async throws {
        try await backend.withFreshDatabase { database throws in
            try await withStore(database) { store throws in
                try await store.insertAlert(sampleAlert(id: "anom_prune", detectedAt: 1_000), notifying: entries(.created))
                let now = OutboxClock.milliseconds() + 10
                let claimed = try await store.claimDeliveries(owner: "o", now: now, leaseMilliseconds: 60_000, limit: 10)
                try await store.recordDelivery(id: claimed[0].id, owner: "o", .delivered(status: 200, at: now))
                #expect(try await store.pruneDeliveries(finishedBefore: now) == 0)
                #expect(try await store.pruneDeliveries(finishedBefore: now + 1) == 1)
                // Pending rows are never pruned.
                #expect(try await store.pruneDeliveries(finishedBefore: .max) == 0)
                #expect(try await store.deliveries(anomalyID: "anom_prune").count == 1)
            }
        }
    }
}

extension StoreBackend {
    /// Makes every insert into the outbox fail, as a backend failure in the middle of a write would.
    func refuseOutboxInserts(_ database: DatabaseURL) async throws {
        switch database {
        case .sqlite(.file(let path)):
            let connection = try await SQLiteConnection.open(storage: .file(path: path))
            _ = try await connection.query(
                "CREATE TRIGGER refuse_outbox BEFORE INSERT ON notification_outbox BEGIN SELECT RAISE(ABORT, 'outbox refused'); END")
            try await connection.close()
        case .postgres:
            _ = try await PostgresTestServer.column(
                "CREATE FUNCTION refuse_outbox() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'outbox refused'; END $$ LANGUAGE plpgsql",
                in: database)
            _ = try await PostgresTestServer.column(
                "CREATE TRIGGER refuse_outbox BEFORE INSERT ON notification_outbox FOR EACH ROW EXECUTE FUNCTION refuse_outbox()",
                in: database)
        default:
            Issue.record("no way to refuse outbox inserts in \(database)")
        }
    }
}
