import API
import Detect
import Foundation
import Hummingbird
import HummingbirdTesting
import Store
import Testing

@Suite struct IncidentsEndpointTests {
    /// Stores `alert` as detection does: its incident first, then the row.
    func record(_ alert: Alert, in store: any VigilStore) async throws {
        var alert = alert
        alert.incidentID = try await store.joinIncident(anomalyID: alert.anomalyID, detectedAt: alert.detectedAt, correlationSeconds: 120)
        try await store.insertAlert(alert)
    }

    @Test func incidentsComeWithTheirAlertsNewestIncidentFirst() async throws {
        let fixture = try await APIFixture()
        let t: Int64 = 1_705_314_600  // 2024-01-15T10:30:00Z
        try await record(sampleAlert(id: "anom_20240115_103000_1", detectedAt: t), in: fixture.store)
        try await record(sampleAlert(id: "anom_20240115_103040_1", detectedAt: t + 40, category: .newPattern, services: ["orders"]), in: fixture.store)
        try await record(sampleAlert(id: "anom_20240115_105000_1", detectedAt: t + 1200, services: ["search"]), in: fixture.store)
        _ = try await fixture.store.resolveAlerts(AlertKey(.errorSpike, .service("search")), at: t + 1500)
        try await fixture.live { client in
            let incidents = try await client.execute(uri: "/incidents/recent", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                return response.body.json["incidents"] as? [[String: Any]] ?? []
            }
            #expect(incidents.map { $0["incident_id"] as? String } == ["inc_20240115_105000_1", "inc_20240115_103000_1"])
            let resolved = incidents[0]
            #expect(resolved["status"] as? String == "resolved" && resolved["resolved_at"] as? String == "2024-01-15T10:55:00.000000Z")
            let shared = incidents[1]
            #expect(Set(shared.keys) == ["incident_id", "opened_at", "last_alert_at", "resolved_at", "status", "services", "categories",
                                         "worst_severity", "alert_count", "alerts"])
            #expect(shared["opened_at"] as? String == "2024-01-15T10:30:00.000000Z")
            #expect(shared["last_alert_at"] as? String == "2024-01-15T10:30:40.000000Z")
            #expect(shared["resolved_at"] is NSNull && shared["status"] as? String == "open")
            #expect(shared["services"] as? [String] == ["payments", "orders"])
            #expect(shared["categories"] as? [String] == ["error_spike", "new_pattern"])
            #expect(shared["worst_severity"] as? String == "high" && shared["alert_count"] as? Int == 2)
            let alerts = shared["alerts"] as? [[String: Any]] ?? []
            #expect(alerts.map { $0["anomaly_id"] as? String } == ["anom_20240115_103000_1", "anom_20240115_103040_1"])
            #expect(alerts.allSatisfy { $0["incident_id"] as? String == "inc_20240115_103000_1" && $0["window_seconds"] as? Int == 60 })

            try await client.execute(uri: "/incidents/recent?limit=1", method: .get) { response in
                #expect((response.body.json["incidents"] as? [[String: Any]])?.count == 1)
            }
            try await client.execute(uri: "/incidents/inc_20240115_103000_1", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.body.json["alert_count"] as? Int == 2)
            }
            try await client.execute(uri: "/incidents/inc_missing", method: .get) { #expect($0.status == .notFound) }
            for bad in ["limit=0", "limit=1001", "limit=x"] {
                try await client.execute(uri: "/incidents/recent?\(bad)", method: .get) { #expect($0.status == .badRequest, "\(bad)") }
            }
            // The alerts API shows the new fields too.
            try await client.execute(uri: "/alerts/anom_20240115_105000_1", method: .get) { response in
                #expect(response.body.json["resolved_at"] as? String == "2024-01-15T10:55:00.000000Z")
                #expect(response.body.json["incident_id"] as? String == "inc_20240115_105000_1")
            }
        }
    }
}
