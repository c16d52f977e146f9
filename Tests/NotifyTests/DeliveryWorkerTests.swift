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

    @Test func threeUnavailableAnswersThenSuccessIsDeliveredOnTheFourthAttempt() async throws {
        let receiver = try await WebhookReceiver.start([.respond(status: 503), .respond(status: 503), .respond(status: 503), .respond(status: 200)])
        defer { Task { await receiver.stop() } }
        try await withTemporaryStore { path in
            let store = try await openStore(path)
            defer { Task { try? await store.close() } }
            let target = NotificationTarget(kind: .webhook, url: receiver.url)
            let configuration = quickConfiguration([target], secret: "s3cret")
            let metrics = TestMetrics()
            let alert = paymentsAlert()
            try await store.insertAlert(alert, notifying: configuration.outboxEntries(for: alert, event: .created))
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
        let receiver = try await WebhookReceiver.start([.respond(status: 400, body: #"{"error":"unknown hook"}"#)])
        defer { Task { await receiver.stop() } }
        try await withTemporaryStore { path in
            let store = try await openStore(path)
            defer { Task { try? await store.close() } }
            let configuration = quickConfiguration([NotificationTarget(kind: .webhook, url: receiver.url)])
            let alert = paymentsAlert()
            try await store.insertAlert(alert, notifying: configuration.outboxEntries(for: alert, event: .created))
            try await withWorker(store: store, configuration: configuration) { _ in
                #expect(await eventually { try await statuses(store, alert.anomalyID) == [.failed] })
            }
            let row = try #require(try await store.deliveries(anomalyID: alert.anomalyID).first)
            #expect(row.attempts == 1 && row.lastStatus == 400)
            #expect(row.lastError == #"HTTP 400: {"error":"unknown hook"}"#)
            #expect(await receiver.requests.count == 1)
        }
    }

    @Test func aStalledTargetTimesOutAndIsTriedAgain() async throws {
        let receiver = try await WebhookReceiver.start([.stall(seconds: 3), .respond(status: 200)])
        defer { Task { await receiver.stop() } }
        try await withTemporaryStore { path in
            let store = try await openStore(path)
            defer { Task { try? await store.close() } }
            var configuration = quickConfiguration([NotificationTarget(kind: .webhook, url: receiver.url)])
            configuration.timeout = .milliseconds(500)
            let alert = paymentsAlert()
            try await store.insertAlert(alert, notifying: configuration.outboxEntries(for: alert, event: .created))
            try await withWorker(store: store, configuration: configuration) { _ in
                #expect(await eventually { try await statuses(store, alert.anomalyID) == [.delivered] })
            }
            let row = try #require(try await store.deliveries(anomalyID: alert.anomalyID).first)
            #expect(row.attempts == 2)
        }
    }

    @Test func analyzedNeverOvertakesCreatedForOneTarget() async throws {
        let receiver = try await WebhookReceiver.start([.respond(status: 503), .respond(status: 503), .respond(status: 200)])
        defer { Task { await receiver.stop() } }
        try await withTemporaryStore { path in
            let store = try await openStore(path)
            defer { Task { try? await store.close() } }
            let configuration = quickConfiguration([NotificationTarget(kind: .webhook, url: receiver.url)])
            let alert = paymentsAlert()
            try await store.insertAlert(alert, notifying: configuration.outboxEntries(for: alert, event: .created))
            try await store.updateAnalysis(
                anomalyID: alert.anomalyID, claudeAnalysis, notifying: configuration.outboxEntries(for: alert, event: .analyzed))
            try await withWorker(store: store, configuration: configuration) { _ in
                #expect(await eventually { try await statuses(store, alert.anomalyID) == [.delivered, .delivered] })
            }
            let events = await receiver.requests.compactMap { $0.header("X-Vigil-Event") }
            #expect(events == ["alert.created", "alert.created", "alert.created", "alert.analyzed"])
            let analysed = try #require(await receiver.requests.last?.object["alert"] as? [String: Any])
            #expect(analysed["root_cause"] as? String == claudeAnalysis.rootCause)
        }
    }

    @Test func sendsInFlightStayWithinTheConcurrency() async throws {
        let receiver = try await WebhookReceiver.start([.stall(seconds: 0.3)])
        defer { Task { await receiver.stop() } }
        try await withTemporaryStore { path in
            let store = try await openStore(path)
            defer { Task { try? await store.close() } }
            var configuration = quickConfiguration([NotificationTarget(kind: .webhook, url: receiver.url)])
            configuration.concurrency = 2
            for index in 0..<8 {
                let alert = paymentsAlert(id: "anom_many_\(index)")
                try await store.insertAlert(alert, notifying: configuration.outboxEntries(for: alert, event: .created))
            }
            try await withWorker(store: store, configuration: configuration) { _ in
                #expect(await eventually { try await store.pendingDeliveryCount() == 0 })
            }
            #expect(await receiver.requests.count == 8)
            #expect(await receiver.maximumConcurrency == 2)
        }
    }

    @Test func stoppingLeavesUnsentRowsPendingAndAReopenedWorkerSendsThem() async throws {
        let receiver = try await WebhookReceiver.start([.stall(seconds: 5), .respond(status: 200)])
        defer { Task { await receiver.stop() } }
        try await withTemporaryStore { path in
            let configuration = quickConfiguration([NotificationTarget(kind: .webhook, url: receiver.url)])
            let alert = paymentsAlert()
            do {
                let store = try await openStore(path)
                try await store.insertAlert(alert, notifying: configuration.outboxEntries(for: alert, event: .created))
                try await withWorker(store: store, configuration: configuration, grace: .milliseconds(200)) { _ in
                    #expect(await eventually { await receiver.requests.count == 1 })
                }
                // Cut short after the grace and released: pending, due now, not waiting for a lease.
                let row = try #require(try await store.deliveries(anomalyID: alert.anomalyID).first)
                #expect(row.status == .pending && row.attempts == 1)
                #expect(try await store.claimDeliveries(owner: "probe", now: nowMilliseconds(), leaseMilliseconds: 1, limit: 1).count == 1)
                try await store.close()
            }
            // "Restart": a new store and worker on the same file deliver it (the probe's 1 ms lease has expired).
            let store = try await openStore(path)
            defer { Task { try? await store.close() } }
            try await withWorker(store: store, configuration: configuration) { _ in
                #expect(await eventually { try await statuses(store, alert.anomalyID) == [.delivered] })
            }
            let ids = await receiver.requests.compactMap { $0.header("X-Vigil-Delivery") }
            #expect(ids.count >= 2 && Set(ids) == ["\(alert.anomalyID):alert.created"])
        }
    }

    @Test func twoWorkersOnOneDatabaseSendEachRowOnce() async throws {
        let receiver = try await WebhookReceiver.start([.respond(status: 200)])
        defer { Task { await receiver.stop() } }
        try await withTemporaryStore { path in
            let first = try await openStore(path)
            let second = try await openStore(path)
            defer { Task { try? await first.close(); try? await second.close() } }
            let configuration = quickConfiguration([NotificationTarget(kind: .webhook, url: receiver.url)])
            for index in 0..<30 {
                let alert = paymentsAlert(id: "anom_shared_\(index)")
                try await first.insertAlert(alert, notifying: configuration.outboxEntries(for: alert, event: .created))
            }
            try await withWorker(store: first, configuration: configuration) { _ in
                try await withWorker(store: second, configuration: configuration) { _ in
                    #expect(await eventually { try await first.pendingDeliveryCount() == 0 })
                }
            }
            let ids = await receiver.requests.compactMap { $0.header("X-Vigil-Delivery") }
            #expect(ids.count == 30)
            #expect(Set(ids).count == 30)
        }
    }

    @Test func aRowOlderThanMaxAgeIsGivenUpWithoutSending() async throws {
        let receiver = try await WebhookReceiver.start([.respond(status: 200)])
        defer { Task { await receiver.stop() } }
        try await withTemporaryStore { path in
            let store = try await openStore(path)
            defer { Task { try? await store.close() } }
            var configuration = quickConfiguration([NotificationTarget(kind: .webhook, url: receiver.url)])
            configuration.maxAge = .seconds(60)
            let alert = paymentsAlert()
            try await store.insertAlert(alert, notifying: configuration.outboxEntries(for: alert, event: .created))
            // The worker's clock two minutes on: the row is older than max_age.
            try await withWorker(store: store, configuration: configuration, now: { nowMilliseconds() + 120_000 }) { _ in
                #expect(await eventually { try await statuses(store, alert.anomalyID) == [.failed] })
            }
            let row = try #require(try await store.deliveries(anomalyID: alert.anomalyID).first)
            #expect(row.lastError?.contains("given up: not delivered within notify.max_age (60 s)") == true)
            #expect(await receiver.requests.isEmpty)
        }
    }

    @Test func alertmanagerGetsActiveAlertsAgainOnEveryRefresh() async throws {
        let receiver = try await WebhookReceiver.start([.respond(status: 200)])
        defer { Task { await receiver.stop() } }
        try await withTemporaryStore { path in
            let store = try await openStore(path)
            defer { Task { try? await store.close() } }
            var configuration = quickConfiguration([NotificationTarget(kind: .alertmanager, url: "http://127.0.0.1:\(receiver.port)")])
            configuration.alertmanagerResend = .milliseconds(200)
            let now = nowMilliseconds() / 1000
            let active = paymentsAlert(id: "anom_active", detectedAt: now - 60)
            let expired = paymentsAlert(id: "anom_expired", detectedAt: now - 3600)
            try await store.insertAlert(active)
            try await store.insertAlert(expired)
            try await withWorker(store: store, configuration: configuration) { _ in
                #expect(await eventually { await receiver.requests.count >= 2 })
            }
            for request in await receiver.requests {
                #expect(request.path == "/api/v2/alerts")
                let alerts = try #require(request.json as? [[String: Any]])
                #expect(alerts.compactMap { ($0["labels"] as? [String: String])?["anomaly_id"] } == ["anom_active"])
            }
        }
    }
}
