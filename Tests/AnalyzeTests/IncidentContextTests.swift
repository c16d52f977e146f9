import Analyze
import Detect
import Foundation
import Store
import Testing

/// Alerts of one incident — a database outage failing payments, then orders, then a new error
/// template in orders — as the store holds them.
func outageIncident() -> [Alert] {
    var payments = paymentsAlert(id: "anom_20240115_010100_1")
    var orders = paymentsAlert(id: "anom_20240115_010140_1")
    orders.affectedServices = ["orders"]
    orders.scope = .service("orders")
    orders.detectedAt += 40
    orders.severity = .medium
    var pattern = paymentsAlert(id: "anom_20240115_010150_1")
    pattern.category = .newPattern
    pattern.affectedServices = ["orders"]
    pattern.scope = .service("orders")
    pattern.detectedAt += 50
    payments.incidentID = "inc_20240115_010100_1"
    orders.incidentID = payments.incidentID
    pattern.incidentID = payments.incidentID
    return [payments, orders, pattern]
}

@Suite struct IncidentContextTests {
    let alerts = outageIncident()

    var incident: Incident {
        Incident(incidentID: "inc_20240115_010100_1", openedAt: alerts[0].detectedAt, lastAlertAt: alerts[2].detectedAt, resolvedAt: nil,
                 alerts: alerts)
    }

    @Test func thePromptListsTheIncidentsAlertsInOrder() throws {
        let text = AnalysisPrompt().userMessage(for: alerts[1], incident: incident)
        #expect(text.contains("It is one of 3 alerts of incident inc_20240115_010100_1"))
        #expect(text.contains("on its 60-second window"))
        let data = try #require(text.components(separatedBy: "<alert_data>\n").last?.components(separatedBy: "\n</alert_data>").first)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any])
        let context = try #require(json["incident"] as? [String: Any])
        #expect(context["incident_id"] as? String == "inc_20240115_010100_1")
        #expect(context["services"] as? [String] == ["payments", "orders"])
        #expect(context["categories"] as? [String] == ["error_spike", "new_pattern"])
        let listed = try #require(context["alerts"] as? [[String: Any]])
        #expect(listed.map { $0["order"] as? Int } == [1, 2, 3])
        #expect(listed.map { $0["anomaly_id"] as? String } == alerts.map(\.anomalyID))
        #expect(listed.map { $0["this_alert"] as? Bool } == [false, true, false])
        #expect(listed[0]["affected_services"] as? [String] == ["payments"])
        #expect(json["window_seconds"] as? Int == 60)
    }

    @Test func anAlertAloneInItsIncidentGetsNoIncidentBlock() {
        let alone = Incident(incidentID: "inc_x", openedAt: 0, lastAlertAt: 0, resolvedAt: nil, alerts: [alerts[0]])
        let text = AnalysisPrompt().userMessage(for: alerts[0], incident: alone)
        #expect(!text.contains("\"incident\""))
        #expect(!text.contains("alerts of incident"))
    }

    @Test func theOfflineAnalyzerListsThemToo() {
        let rootCause = OfflineAnalyzer().analysis(of: alerts[2], incident: incident).rootCause ?? ""
        #expect(rootCause.contains(
            "Part of incident inc_20240115_010100_1, 3 alerts in the order raised: "
                + "1. error_spike (high) in payments at 2024-01-15T01:01:00.000000Z; "
                + "2. error_spike (medium) in orders at 2024-01-15T01:01:40.000000Z; "
                + "3. new_pattern (high) in orders at 2024-01-15T01:01:50.000000Z (this alert)."), "\(rootCause)")
        #expect(!(OfflineAnalyzer().analysis(of: alerts[0]).rootCause ?? "").contains("Part of incident"))
    }

    @Test func theQueueGivesTheAnalysisTheIncidentAsStored() async throws {
        try await withAlertStore([]) { store in
            for alert in alerts {
                _ = try await store.joinIncident(anomalyID: alert.anomalyID, detectedAt: alert.detectedAt, correlationSeconds: 120)
                try await store.insertAlert(alert)
            }
            let queue = AnalysisQueue(analyzer: OfflineAnalyzer(), store: store)
            let running = Task { await queue.run() }
            #expect(queue.submit(alerts[1]))
            #expect(await queue.waitUntilIdle(timeout: .seconds(30)))
            queue.shutdown()
            await running.value
            let analysed = try #require(try await stored(alerts[1].anomalyID, in: store))
            #expect(analysed.rootCause?.contains("3 alerts in the order raised") == true, "\(analysed.rootCause ?? "nil")")
            #expect(analysed.rootCause?.contains("2. error_spike (medium) in orders at 2024-01-15T01:01:40.000000Z (this alert)") == true)
        }
    }
}
