import Detect
import Foundation
import Logging
import MetricsTestKit
import Store
import Testing
@testable import Notify

/// The worker against a real SQLite store and a real HTTP receiver on loopback.
@Suite struct DeliveryWorkerTests {
    /// Runs a worker until `body` returns, then stops it (with `grace` for sends in flight).
    func withWorker(
        store: any VigilStore, configuration: NotifyConfiguration, metrics: TestMetrics = TestMetrics(),
        grace: Duration = .seconds(2), now: (@Sendable () -> Int64)? = nil, _ body: (DeliveryWorker) async throws -> Void
    ) async throws {
        let transport = HTTPTransport(connectTimeout: .seconds(2))
        let worker = now.map {
            DeliveryWorker(store: store, configuration: configuration, transport: transport, metrics: NotificationMetrics(factory: metrics), now: $0)
        } ?? DeliveryWorker(store: store, configuration: configuration, transport: transport, metrics: NotificationMetrics(factory: metrics))
        let running = Task { await worker.run(grace: grace) }
        do {
            try await body(worker)
        } catch {
            worker.stop()
            await running.value
            await transport.shutdown()
            throw error
        }
        worker.stop()
        await running.value
        await transport.shutdown()
    }

    func statuses(_ store: any VigilStore, _ id: String) async throws -> [Delivery.Status] {
        try await store.deliveries(anomalyID: id).map(\.status)
    }

    /// What most tests need: a receiver answering `steps`, a store in a temporary file, and a
    /// configuration sending to the receiver (`configure` adjusts it).
    struct Fixture {
        var receiver: WebhookReceiver
        var store: any VigilStore
        var path: String
        var configuration: NotifyConfiguration

        /// Stores `alert` with its `alert.created` rows (and `alert.analyzed` ones when analysed).
        func enqueue(_ alert: Alert, analysis: AlertAnalysis? = nil) async throws {
            try await store.insertAlert(alert, notifying: configuration.outboxEntries(for: alert, event: .created))
            if let analysis {
                try await store.updateAnalysis(
                    anomalyID: alert.anomalyID, analysis, notifying: configuration.outboxEntries(for: alert, event: .analyzed))
            }
        }
    }

    func withFixture(
        _ steps: [WebhookReceiver.Step], kind: NotificationKind = .webhook, configure: (inout NotifyConfiguration) -> Void = { _ in },
        _ body: (Fixture) async throws -> Void
    ) async throws {
        let receiver = try await WebhookReceiver.start(steps)
        do {
            try await withTemporaryStore { path in
                let url = kind == .alertmanager ? "http://127.0.0.1:\(receiver.port)" : receiver.url
                var configuration = quickConfiguration([NotificationTarget(kind: kind, url: url)])
                configure(&configuration)
                let store = try await openStore(path)
                do {
                    try await body(Fixture(receiver: receiver, store: store, path: path, configuration: configuration))
                } catch {
                    try? await store.close()
                    throw error
                }
                try? await store.close()
            }
        } catch {
            await receiver.stop()
            throw error
        }
        await receiver.stop()
    }

    @Test func threeUnavailableAnswersThenSuccessIsDeliveredOnTheFourthAttempt() async throws {
        try await withFixture([.respond(status: 503), .respond(status: 503), .respond(status: 503), .respond(status: 200)], configure: {
            $0.webhookSecret = "s3cret"
        }) { fixture in
            let (store, receiver, configuration) = (fixture.store, fixture.receiver, fixture.configuration)
            let metrics = TestMetrics()
            let alert = paymentsAlert()
            try await fixture.enqueue(alert)
            try await withWorker(store: store, configuration: configuration, metrics: metrics) { _ in
                #expect(await eventually { try await statuses(store, alert.anomalyID) == [.delivered] })
            }
            let row = try #require(try await store.deliveries(anomalyID: alert.anomalyID).first)
            #expect(row.attempts == 4 && row.lastStatus == 200 && row.finishedAt != nil)
            let requests = await receiver.requests
            #expect(requests.count == 4)
            #expect(Set(requests.compactMap { $0.header("X-Vigil-Delivery") }) == ["\(alert.anomalyID):alert.created"])
            for request in requests {
                #expect(WebhookSignature.verify(request.header("X-Vigil-Signature") ?? "", body: request.body, secret: "s3cret"))
                #expect((request.object["alert"] as? [String: Any])?["anomaly_id"] as? String == alert.anomalyID)
            }
            #expect(try metrics.expectCounter("vigil_notifications_total", [("kind", "webhook"), ("outcome", "retried")]).totalValue == 3)
            #expect(try metrics.expectCounter("vigil_notifications_total", [("kind", "webhook"), ("outcome", "delivered")]).totalValue == 1)
            #expect(try metrics.expectTimer(NotificationMetrics.latencyLabel).values.count == 1)
            #expect(try metrics.expectGauge("vigil_notifications_pending").lastValue == 0)
        }
    }

    @Test func aClientErrorIsGivenUpAtOnceWithTheStatusAndFirstBytes() async throws {
        try await withFixture([.respond(status: 400, body: #"{"error":"unknown hook"}"#)]) { fixture in
            let alert = paymentsAlert()
            try await fixture.enqueue(alert)
            try await withWorker(store: fixture.store, configuration: fixture.configuration) { _ in
                #expect(await eventually { try await statuses(fixture.store, alert.anomalyID) == [.failed] })
            }
            let row = try #require(try await fixture.store.deliveries(anomalyID: alert.anomalyID).first)
            #expect(row.attempts == 1 && row.lastStatus == 400)
            #expect(row.lastError == #"HTTP 400: {"error":"unknown hook"}"#)
            #expect(await fixture.receiver.requests.count == 1)
        }
    }

    @Test func aStalledTargetTimesOutAndIsTriedAgain() async throws {
        try await withFixture([.stall(seconds: 3), .respond(status: 200)], configure: { $0.timeout = .milliseconds(500) }) { fixture in
            let alert = paymentsAlert()
            try await fixture.enqueue(alert)
            try await withWorker(store: fixture.store, configuration: fixture.configuration) { _ in
                #expect(await eventually { try await statuses(fixture.store, alert.anomalyID) == [.delivered] })
            }
            let row = try #require(try await fixture.store.deliveries(anomalyID: alert.anomalyID).first)
            #expect(row.attempts == 2)
        }
    }

    @Test func analyzedNeverOvertakesCreatedForOneTarget() async throws {
        try await withFixture([.respond(status: 503), .respond(status: 503), .respond(status: 200)]) { fixture in
            let alert = paymentsAlert()
            try await fixture.enqueue(alert, analysis: claudeAnalysis)
            try await withWorker(store: fixture.store, configuration: fixture.configuration) { _ in
                #expect(await eventually { try await statuses(fixture.store, alert.anomalyID) == [.delivered, .delivered] })
            }
            let events = await fixture.receiver.requests.compactMap { $0.header("X-Vigil-Event") }
            #expect(events == ["alert.created", "alert.created", "alert.created", "alert.analyzed"])
            let analysed = try #require(await fixture.receiver.requests.last?.object["alert"] as? [String: Any])
            #expect(analysed["root_cause"] as? String == claudeAnalysis.rootCause)
        }
    }

    @Test func sendsInFlightStayWithinTheConcurrency() async throws {
        try await withFixture([.stall(seconds: 0.3)], configure: { $0.concurrency = 2 }) { fixture in
            for index in 0..<8 { try await fixture.enqueue(paymentsAlert(id: "anom_many_\(index)")) }
            try await withWorker(store: fixture.store, configuration: fixture.configuration) { _ in
                #expect(await eventually { try await fixture.store.pendingDeliveryCount() == 0 })
            }
            #expect(await fixture.receiver.requests.count == 8)
            #expect(await fixture.receiver.maximumConcurrency == 2)
        }
    }

    @Test func stoppingLeavesUnsentRowsPendingAndAReopenedWorkerSendsThem() async throws {
        try await withFixture([.stall(seconds: 5), .respond(status: 200)]) { fixture in
            let alert = paymentsAlert()
            try await fixture.enqueue(alert)
            try await withWorker(store: fixture.store, configuration: fixture.configuration, grace: .milliseconds(200)) { _ in
                #expect(await eventually { await fixture.receiver.requests.count == 1 })
            }
            // Cut short after the grace and released: pending, due now, not waiting for a lease.
            let row = try #require(try await fixture.store.deliveries(anomalyID: alert.anomalyID).first)
            #expect(row.status == .pending && row.attempts == 1)
            #expect(try await fixture.store.claimDeliveries(owner: "probe", now: nowMilliseconds(), leaseMilliseconds: 1, limit: 1).count == 1)

            // "Restart": a new store and worker on the same file deliver it (the probe's 1 ms lease has expired).
            let reopened = try await openStore(fixture.path)
            try await withWorker(store: reopened, configuration: fixture.configuration) { _ in
                #expect(await eventually { try await statuses(reopened, alert.anomalyID) == [.delivered] })
            }
            try await reopened.close()
            let ids = await fixture.receiver.requests.compactMap { $0.header("X-Vigil-Delivery") }
            #expect(ids.count >= 2 && Set(ids) == ["\(alert.anomalyID):alert.created"])
        }
    }

    @Test func twoWorkersOnOneDatabaseSendEachRowOnce() async throws {
        try await withFixture([.respond(status: 200)]) { fixture in
            for index in 0..<30 { try await fixture.enqueue(paymentsAlert(id: "anom_shared_\(index)")) }
            let second = try await openStore(fixture.path)
            try await withWorker(store: fixture.store, configuration: fixture.configuration) { _ in
                try await withWorker(store: second, configuration: fixture.configuration) { _ in
                    #expect(await eventually { try await fixture.store.pendingDeliveryCount() == 0 })
                }
            }
            try await second.close()
            let ids = await fixture.receiver.requests.compactMap { $0.header("X-Vigil-Delivery") }
            #expect(ids.count == 30)
            #expect(Set(ids).count == 30)
        }
    }

    @Test func aRowOlderThanMaxAgeIsGivenUpWithoutSending() async throws {
        try await withFixture([.respond(status: 200)], configure: { $0.maxAge = .seconds(60) }) { fixture in
            let alert = paymentsAlert()
            try await fixture.enqueue(alert)
            // The worker's clock two minutes on: the row is older than max_age.
            try await withWorker(store: fixture.store, configuration: fixture.configuration, now: { nowMilliseconds() + 120_000 }) { _ in
                #expect(await eventually { try await statuses(fixture.store, alert.anomalyID) == [.failed] })
            }
            let row = try #require(try await fixture.store.deliveries(anomalyID: alert.anomalyID).first)
            #expect(row.lastError?.contains("given up: not delivered within notify.max_age (60 s)") == true)
            #expect(await fixture.receiver.requests.isEmpty)
        }
    }

    @Test func alertmanagerGetsActiveAlertsAgainOnEveryRefresh() async throws {
        try await withFixture([.respond(status: 200)], kind: .alertmanager, configure: { $0.alertmanagerResend = .milliseconds(200) }) { fixture in
            let now = nowMilliseconds() / 1000
            try await fixture.store.insertAlert(paymentsAlert(id: "anom_active", detectedAt: now - 60))
            try await fixture.store.insertAlert(paymentsAlert(id: "anom_expired", detectedAt: now - 3600))
            try await withWorker(store: fixture.store, configuration: fixture.configuration) { _ in
                #expect(await eventually { await fixture.receiver.requests.count >= 2 })
            }
            for request in await fixture.receiver.requests {
                #expect(request.path == "/api/v2/alerts")
                let alerts = try #require(request.json as? [[String: Any]])
                #expect(alerts.compactMap { ($0["labels"] as? [String: String])?["anomaly_id"] } == ["anom_active"])
            }
        }
    }
}
