import API
import Detect
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct AuthTests {
    @Test func withATokenEveryEndpointButHealthAndMetricsNeedsIt() async throws {
        let fixture = try await APIFixture()
        try await fixture.live(token: "s3cret") { client in
            try await client.execute(uri: "/alerts/recent", method: .get) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            }
            try await client.execute(uri: "/logs/ingest", method: .post, body: jsonBody(readmeBatch)) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/services", method: .get) { #expect($0.status == .unauthorized) }
            var wrong = HTTPFields()
            wrong[.authorization] = "Bearer s3cres"
            try await client.execute(uri: "/alerts/recent", method: .get, headers: wrong) { #expect($0.status == .unauthorized) }
            var right = HTTPFields()
            right[.authorization] = "Bearer s3cret"
            try await client.execute(uri: "/alerts/recent", method: .get, headers: right) { #expect($0.status == .ok) }
            try await client.execute(uri: "/logs/ingest", method: .post, headers: right, body: jsonBody(readmeBatch)) { #expect($0.status == .accepted) }
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/metrics", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test func withoutATokenNothingIsRequired() async throws {
        let fixture = try await APIFixture()
        try await fixture.live(token: "") { client in
            try await client.execute(uri: "/alerts/recent", method: .get) { #expect($0.status == .ok) }
        }
    }
}

@Suite struct AlertsEndpointTests {
    @Test func recentAlertsAreNewestFirstLimitedAndFiltered() async throws {
        let fixture = try await APIFixture()
        try await fixture.store.insertAlert(sampleAlert(id: "anom_a", detectedAt: 1_705_314_600))
        try await fixture.store.insertAlert(sampleAlert(id: "anom_b", detectedAt: 1_705_315_500, category: .volumeSpike, services: ["auth"]))
        try await fixture.store.insertAlert(sampleAlert(id: "anom_c", detectedAt: 1_705_316_400, services: ["auth", "payments"]))
        try await fixture.live { client in
            func ids(_ uri: String) async throws -> [String] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .ok, "\(uri)")
                    return (response.body.json["alerts"] as? [[String: Any]] ?? []).compactMap { $0["anomaly_id"] as? String }
                }
            }
            #expect(try await ids("/alerts/recent") == ["anom_c", "anom_b", "anom_a"])
            #expect(try await ids("/alerts/recent?limit=2") == ["anom_c", "anom_b"])
            #expect(try await ids("/alerts/recent?category=error_spike") == ["anom_c", "anom_a"])
            #expect(try await ids("/alerts/recent?service=auth") == ["anom_c", "anom_b"])
            #expect(try await ids("/alerts/recent?since=2024-01-15T10:45:00Z") == ["anom_c", "anom_b"])
            #expect(try await ids("/alerts/recent?since=1705316400") == ["anom_c"])
            for bad in ["limit=0", "limit=1001", "limit=ten", "category=meltdown", "since=yesterday"] {
                try await client.execute(uri: "/alerts/recent?\(bad)", method: .get) { response in
                    #expect(response.status == .badRequest, "\(bad)")
                }
            }
        }
    }

    @Test func oneAlertByIDOr404() async throws {
        let fixture = try await APIFixture()
        let alert = sampleAlert(id: "anom_20240115_103000_1", detectedAt: 1_705_314_600)
        try await fixture.store.insertAlert(alert)
        try await fixture.live { client in
            try await client.execute(uri: "/alerts/anom_20240115_103000_1", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.body.text == alert.json)
            }
            try await client.execute(uri: "/alerts/anom_missing", method: .get) { #expect($0.status == .notFound) }
        }
    }
}

@Suite struct ServicesAndHealthTests {
    @Test func servicesShowWindowCountsBaselineAndLastSeen() async throws {
        let fixture = try await APIFixture(baselines: [
            Baseline(scope: .service("auth"), windowSeconds: 300, errorRate: 0.01, volume: 120, serviceCount: 1, windowsObserved: 4),
        ])
        let body = #"{"logs":[{"level":"INFO","service":"auth","message":"a"},{"level":"ERROR","service":"auth","message":"b"},{"level":"INFO","service":"db","message":"c"}]}"#
        try await fixture.live { client in
            try await client.execute(uri: "/logs/ingest", method: .post, body: jsonBody(body)) { #expect($0.status == .accepted) }
            fixture.receiver.shards.drain()
            try await client.execute(uri: "/services", method: .get) { response in
                let services = response.body.json["services"] as? [[String: Any]] ?? []
                #expect(services.compactMap { $0["service"] as? String } == ["auth", "db"])
                let auth = services.first ?? [:]
                #expect(auth["volume"] as? Int == 2)
                #expect(auth["error_rate"] as? Double == 0.5)
                #expect((auth["baseline"] as? [String: Any])?["volume"] as? Double == 120)
                #expect(auth["last_seen"] is String)
                #expect(services.last?["baseline"] is NSNull)
            }
        }
    }

    @Test func healthIsReadyThen503WhileDraining() async throws {
        let fixture = try await APIFixture()
        try await fixture.live { client in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
                let json = response.body.json
                #expect((json["database"] as? [String: Any])?["reachable"] as? Bool == true)
                #expect(json["queues"] is [String: Any])
                #expect(json["listeners"] is [String: Any])
            }
            fixture.readiness.beginDraining()
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.body.json["status"] as? String == "shutting_down")
            }
        }
    }

    @Test func healthIs503WhenTheDatabaseDoesNotAnswer() async throws {
        let fixture = try await APIFixture()
        try await fixture.store.close()  // every call now throws StoreError.closed
        try await fixture.application().test(.live) { client in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect((response.body.json["database"] as? [String: Any])?["reachable"] as? Bool == false)
            }
            try await client.execute(uri: "/alerts/recent", method: .get) { #expect($0.status == .serviceUnavailable) }
        }
        fixture.receiver.stop()
    }
}
