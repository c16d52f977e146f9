import API
import Foundation
import Hummingbird
import HummingbirdTesting
import Store
import Testing

@Suite struct NotificationsEndpointTests {
    @Test func recentNotificationsShowTheOutboxWithSecretsMaskedBehindTheToken() async throws {
        let fixture = try await APIFixture()
        let slack = NotificationTarget(kind: .slack, url: "https://hooks.slack.com/services/T0/B0/s3cretToken")
        let webhook = NotificationTarget(kind: .webhook, url: "https://ops:pa55@hooks.example/vigil?token=abc")
        let alert = sampleAlert(id: "anom_n", detectedAt: 1_705_314_600)
        try await fixture.store.insertAlert(alert, notifying: [OutboxEntry(event: .created, target: slack), OutboxEntry(event: .created, target: webhook)])
        let now = OutboxClock.milliseconds() + 10
        let claimed = try await fixture.store.claimDeliveries(owner: "t", now: now, leaseMilliseconds: 60_000, limit: 1)
        try await fixture.store.recordDelivery(id: claimed[0].id, owner: "t", .failed(status: 404, error: "HTTP 404: no_team", at: now + 1))
        try await fixture.live(token: "s3cret") { client in
            try await client.execute(uri: "/notifications/recent", method: .get) { #expect($0.status == .unauthorized) }
            var auth = HTTPFields()
            auth[.authorization] = "Bearer s3cret"
            try await client.execute(uri: "/notifications/recent?limit=0", method: .get, headers: auth) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/notifications/recent?limit=10", method: .get, headers: auth) { response in
                #expect(response.status == .ok)
                let body = response.body.json
                #expect(body["pending"] as? Int == 1)
                let rows = try #require(body["notifications"] as? [[String: Any]])
                #expect(rows.map { $0["kind"] as? String } == ["webhook", "slack"])  // newest first
                #expect(rows[0]["target"] as? String == "https://***@hooks.example/vigil?token=***")
                #expect(rows[0]["status"] as? String == "pending" && rows[0]["next_attempt_at"] is String)
                #expect(rows[1]["target"] as? String == "https://hooks.slack.com/services/***")
                #expect(rows[1]["status"] as? String == "failed" && rows[1]["attempts"] as? Int == 1)
                #expect(rows[1]["last_status"] as? Int == 404 && rows[1]["last_error"] as? String == "HTTP 404: no_team")
                #expect(rows[1]["next_attempt_at"] is NSNull && rows[1]["finished_at"] is String)
                #expect(rows[1]["delivery_id"] as? String == "anom_n:alert.created" && rows[1]["event"] as? String == "alert.created")
                #expect(!response.body.text.contains("s3cretToken") && !response.body.text.contains("pa55"))
            }
        }
    }
}
