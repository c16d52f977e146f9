import Detect
import Foundation
import Notify
import Store
import Testing
@testable import vigil

/// The `[notify]` section, as part of ``ConfigurationTests`` (its temporary files, its check of refused values).
extension ConfigurationTests {
    @Test func notifySectionBecomesTargetsFiltersAndTimings() throws {
        let file = try temporaryFile("""
            [api]
            address = "0.0.0.0:8000"
            [notify]
            alertmanager = ["http://am:9093"]
            webhooks = ["https://a.example/hook"]
            webhook_secret = "s"
            slack_min_severity = "high"
            webhook_categories = ["error_spike", "new_pattern"]
            timeout = 2.5
            max_age = 3600
            """)
        let configuration = try VigilConfiguration.load(path: file, environment: [
            "VIGIL_NOTIFY_SLACK": "https://hooks.slack.com/services/T/B/x, https://hooks.slack.com/services/T/B/y",
            "VIGIL_NOTIFY_INSTANCE": "edge-1",
        ])
        try configuration.validate()
        let notify = configuration.notifyConfiguration
        #expect(notify.targets == [
            NotificationTarget(kind: .alertmanager, url: "http://am:9093"),
            NotificationTarget(kind: .webhook, url: "https://a.example/hook"),
            NotificationTarget(kind: .slack, url: "https://hooks.slack.com/services/T/B/x"),
            NotificationTarget(kind: .slack, url: "https://hooks.slack.com/services/T/B/y"),
        ])
        #expect(notify.webhookSecret == "s")
        #expect(notify.instance == "edge-1")
        #expect(notify.filter(for: .slack) == NotificationFilter(minimumSeverity: .high))
        #expect(notify.filter(for: .webhook) == NotificationFilter(categories: [.errorSpike, .newPattern]))
        #expect(notify.filter(for: .alertmanager) == NotificationFilter())
        #expect(notify.timeout == .milliseconds(2500))
        #expect(notify.maxAge == .seconds(3600))
        #expect(notify.alertmanagerResolveAfter == .seconds(1800))
        // A wildcard bind address is no link: the host name stands in.
        #expect(notify.publicURL == "http://\(HostName.current):8000")
        #expect(notify.alertURL("anom_1") == "http://\(HostName.current):8000/alerts/anom_1")
    }

    @Test func defaultsSendNothingAndLinkToTheAPIAddress() throws {
        let notify = VigilConfiguration().notifyConfiguration
        #expect(notify.targets.isEmpty)
        #expect(notify.webhookSecret == nil)
        #expect(notify.publicURL == "http://127.0.0.1:8000")
        #expect(notify.instance == HostName.current)
        #expect(notify.concurrency == 4 && notify.maxAge == .seconds(86_400) && notify.timeout == .seconds(10))
    }

    @Test(arguments: [
        ("[notify]\nwebhooks = [\"ftp://x/hook\"]\n", [String: String](), "notify.webhooks", "http:// or https://"),
        ("", ["VIGIL_NOTIFY_SLACK": "not a url"], "notify.slack", "VIGIL_NOTIFY_SLACK"),
        ("[notify]\nalertmanager = [\"http://user:pw@\"]\n", [:], "notify.alertmanager", "http:// or https://"),
        ("[notify]\nslack_min_severity = \"urgent\"\n", [:], "notify.slack_min_severity", "low, medium, high or critical"),
        ("[notify]\nwebhook_categories = [\"error_spikes\"]\n", [:], "notify.webhook_categories", "unknown category 'error_spikes'"),
        ("[notify]\nbackoff_initial = 10.0\nbackoff_max = 5.0\n", [:], "notify.backoff_max", "at least notify.backoff_initial"),
        ("[notify]\nconcurrency = 0\n", [:], "notify.concurrency", "from 1 to 256"),
        ("[api]\npublic_url = \"vigil.example.com\"\n", [:], "api.public_url", "http:// or https://"),
    ])
    func badNotifyValuesNameTheKey(text: String, environment: [String: String], key: String, mention: String) throws {
        try badValuesNameTheKeyAndWhereTheyCameFrom(text: text, environment: environment, key: key, mention: mention)
    }

    @Test func alertsSinceTakesInstantsAndAges() {
        let now: Int64 = 1_705_314_600
        #expect(AlertsCommand.seconds("2024-01-15T10:00:00Z", now: now) == 1_705_312_800)
        #expect(AlertsCommand.seconds("1705312800", now: now) == 1_705_312_800)
        #expect(AlertsCommand.seconds("90s", now: now) == now - 90)
        #expect(AlertsCommand.seconds("30m", now: now) == now - 1800)
        #expect(AlertsCommand.seconds("2h", now: now) == now - 7200)
        #expect(AlertsCommand.seconds("7d", now: now) == now - 604_800)
        #expect(AlertsCommand.seconds("yesterday", now: now) == nil)
        #expect(AlertsCommand.seconds("-5m", now: now) == nil)
        #expect(AlertsCommand.seconds("5w", now: now) == nil)
    }
}
