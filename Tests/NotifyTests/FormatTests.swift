import Detect
import Foundation
import Store
import Testing
@testable import Notify

@Suite struct FormatTests {
    let configuration = quickConfiguration([], secret: "s3cret")

    func message(_ alert: Alert = paymentsAlert(), event: NotificationEvent) -> NotificationMessage {
        NotificationMessage(
            alert: alert, event: event.rawValue, deliveryID: Delivery.deliveryID(anomalyID: alert.anomalyID, event: event),
            sentAt: 1_705_314_650_123)
    }

    func object(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    // MARK: Webhook

    @Test func webhookBodyCarriesTheEventAndTheAlertExactlyAsTheAPIServesIt() throws {
        let alert = paymentsAlert()
        let request = WebhookFormat(secret: "s3cret").request(message(alert, event: .created), to: "https://hooks.example/vigil")
        #expect(request.url == "https://hooks.example/vigil")
        let body = try object(request.body)
        #expect(Set(body.keys) == ["event", "sent_at", "alert"])
        #expect(body["event"] as? String == "alert.created")
        #expect(body["sent_at"] as? String == "2024-01-15T10:30:50.123Z")
        // Byte for byte the object GET /alerts/{id} returns.
        let text = String(decoding: request.body, as: UTF8.self)
        #expect(text.hasSuffix(#","alert":"# + alert.json + "}"))
        #expect(request.header("X-Vigil-Event") == "alert.created")
        #expect(request.header("X-Vigil-Delivery") == "anom_20240115_103045:alert.created")
        #expect(request.header("Content-Type") == "application/json")
        let signature = try #require(request.header("X-Vigil-Signature"))
        #expect(signature.hasPrefix("sha256=") && signature.count == 7 + 64)
        #expect(WebhookSignature.verify(signature, body: request.body, secret: "s3cret"))
    }

    @Test func webhookIsUnsignedWithoutASecret() {
        let request = WebhookFormat(secret: nil).request(message(event: .analyzed), to: "http://127.0.0.1:1/x")
        #expect(request.header("X-Vigil-Signature") == nil)
        #expect(request.header("X-Vigil-Delivery") == "anom_20240115_103045:alert.analyzed")
    }

    // MARK: Alertmanager

    @Test func alertmanagerEndpointAppendsTheV2PathOnce() {
        #expect(AlertmanagerFormat.endpoint("http://am:9093") == "http://am:9093/api/v2/alerts")
        #expect(AlertmanagerFormat.endpoint("http://am:9093/") == "http://am:9093/api/v2/alerts")
        #expect(AlertmanagerFormat.endpoint("https://proxy/alertmanager") == "https://proxy/alertmanager/api/v2/alerts")
        #expect(AlertmanagerFormat.endpoint("http://am:9093/api/v2/alerts") == "http://am:9093/api/v2/alerts")
    }

    @Test func alertmanagerAlertHasTheLabelsRoutesMatchOnAndTheAnalysisAsAnnotations() throws {
        let format = AlertmanagerFormat(configuration: configuration)
        let pending = try #require(try JSONSerialization.jsonObject(with: Data(try format.request([message(event: .created)], to: "http://am:9093").body)) as? [[String: Any]])
        #expect(pending.count == 1)
        let alert = pending[0]
        #expect(alert["labels"] as? [String: String] == [
            "alertname": "vigil_error_spike", "category": "error_spike", "severity": "high", "service": "payments",
            "anomaly_id": "anom_20240115_103045", "instance": "vigil-test-host",
        ])
        #expect(alert["annotations"] as? [String: String] == [
            "summary": "Error rate 35.0% for service payments over the last 300 s (baseline 1.0%, 35.0x)", "analysis_source": "pending",
        ])
        #expect(alert["startsAt"] as? String == "2024-01-15T10:30:45.000Z")
        #expect(alert["endsAt"] as? String == "2024-01-15T11:00:45.000Z")  // + alertmanager_resolve_after (30 min)
        #expect(alert["generatorURL"] as? String == "http://vigil.example:8000/alerts/anom_20240115_103045")

        let analysed = paymentsAlert().applying(claudeAnalysis)
        let request = try format.request([message(analysed, event: .analyzed)], to: "http://am:9093")
        let annotations = try #require((try JSONSerialization.jsonObject(with: Data(request.body)) as? [[String: Any]])?.first?["annotations"] as? [String: String])
        #expect(annotations["root_cause"] == "Database connection pool exhausted in payments")
        #expect(annotations["impact"] == "About 35% of payments fail")
        #expect(annotations["recommended_actions"] == "Raise the pool size; Look for long-running queries")
        #expect(annotations["confidence"] == "0.82")
        #expect(annotations["analysis_source"] == "claude")
    }

    @Test func alertmanagerServiceIsAllWhenTheAlertNamesNone() throws {
        var alert = paymentsAlert()
        alert.affectedServices = []
        let posted = AlertmanagerFormat(configuration: configuration).posted(message(alert, event: .created))
        #expect(posted.labels["service"] == "all")
    }

    @Test func alertmanagerEndsAResolvedAlertWhenDetectionResolvedIt() {
        var alert = paymentsAlert()
        alert.resolvedAt = alert.detectedAt + 420
        let format = AlertmanagerFormat(configuration: configuration)
        let posted = format.posted(message(alert, event: .resolved))
        #expect(posted.endsAt == "2024-01-15T10:37:45.000Z")
        #expect(!format.isActive(message(alert, event: .resolved), now: alert.detectedAt + 421))
    }

    @Test func alertmanagerTestAlertIsMarkedAndEndsSoon() {
        let alert = TestNotification.alert(instance: "h", at: 1_705_314_650_000)
        #expect(alert.anomalyID == "anom_test_20240115_103050")
        let posted = AlertmanagerFormat(configuration: configuration).posted(
            NotificationMessage(alert: alert, event: NotificationMessage.testEvent, deliveryID: "x", sentAt: 1_705_314_650_000))
        #expect(posted.labels["alertname"] == "vigil_test")
        #expect(posted.labels["test"] == "true")
        #expect(posted.endsAt == "2024-01-15T10:35:50.000Z")
    }

    // MARK: Slack

    @Test func slackCreatedMessageHasTheFactsAndNoAnalysis() throws {
        let payload = try object(try SlackFormat(configuration: configuration).request(message(event: .created), to: "https://hooks.slack.com/services/T/B/x").body)
        let text = try #require(payload["text"] as? String)
        #expect(text.hasPrefix("[HIGH] error_spike in payments: Error rate 35.0%"))
        let blocks = try #require(payload["blocks"] as? [[String: Any]])
        #expect(blocks.map { $0["type"] as? String } == ["header", "section", "context"])
        let fields = try #require(blocks[1]["fields"] as? [[String: String]]).map { $0["text"] ?? "" }
        #expect(fields == ["*Severity*\nhigh", "*Category*\nerror_spike", "*Services*\npayments, edge", "*Detected*\n2024-01-15T10:30:45.000Z"])
        let context = try #require((blocks[2]["elements"] as? [[String: String]])?.first?["text"])
        #expect(context.contains("<http://vigil.example:8000/alerts/anom_20240115_103045|alert JSON>"))
    }

    @Test func slackAnalyzedMessageAddsRootCauseImpactAndActionsEscaped() throws {
        var analysis = claudeAnalysis
        analysis.recommendedActions = ["Check <pool> & retry"]
        let alert = paymentsAlert().applying(analysis)
        let payload = try object(try SlackFormat(configuration: configuration).request(message(alert, event: .analyzed), to: "https://x").body)
        #expect((payload["text"] as? String)?.hasPrefix("Root cause of error_spike in payments (high): Database connection pool") == true)
        let texts = (payload["blocks"] as? [[String: Any]] ?? []).compactMap { ($0["text"] as? [String: String])?["text"] }
        #expect(texts.contains("*Root cause*\nDatabase connection pool exhausted in payments"))
        #expect(texts.contains("*Impact*\nAbout 35% of payments fail"))
        #expect(texts.contains("*Recommended actions*\n• Check &lt;pool&gt; &amp; retry"))
    }

    @Test func slackTextsStayWithinBlockKitLimits() throws {
        var alert = paymentsAlert()
        alert.description = String(repeating: "x", count: 5000)
        alert.affectedServices = [String(repeating: "s", count: 300)]
        let payload = SlackFormat(configuration: configuration).payload(message(alert, event: .created))
        let header = try #require(payload.blocks.first?.text?.text)
        #expect(header.count <= 150)
        #expect(try #require(payload.blocks[1].text?.text).count == 3000)
        #expect(payload.text.count <= 3000)
        #expect(payload.blocks[1].fields?.allSatisfy { $0.text.count <= 2000 } == true)
    }

    // MARK: Routing

    @Test func outboxEntriesFollowEachKindsFilter() {
        var configuration = quickConfiguration([
            NotificationTarget(kind: .alertmanager, url: "http://am:9093"),
            NotificationTarget(kind: .webhook, url: "http://hook"),
            NotificationTarget(kind: .slack, url: "https://hooks.slack.com/services/T/B/x"),
        ])
        configuration.filters[.slack] = NotificationFilter(minimumSeverity: .critical)
        configuration.filters[.webhook] = NotificationFilter(categories: [.volumeSpike])
        let entries = configuration.outboxEntries(for: paymentsAlert(), event: .created)
        #expect(entries == [OutboxEntry(event: .created, target: configuration.targets[0])])
        var critical = paymentsAlert()
        critical.severity = .critical
        #expect(configuration.outboxEntries(for: critical, event: .analyzed).map(\.target.kind) == [.alertmanager, .slack])
    }
}
