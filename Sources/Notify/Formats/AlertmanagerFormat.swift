import Detect
import Store

/// Prometheus Alertmanager's v2 API: `POST {url}/api/v2/alerts` with a JSON array of alerts.
///
/// Labels identify an alert to Alertmanager (it de-duplicates and groups on them), so they hold
/// what routes and silences match on: `alertname` = `vigil_<category>`, `category`, `severity`,
/// `service` (see ``NotificationMessage/service``), `anomaly_id` and `instance`. Annotations are
/// replaced by every send, so the analysis reaches Alertmanager when it is recorded.
public struct AlertmanagerFormat: Sendable {
    public var instance: String
    public var resolveAfter: Duration
    /// Builds `generatorURL` from an anomaly id.
    public var alertURL: @Sendable (String) -> String

    public init(instance: String, resolveAfter: Duration, alertURL: @escaping @Sendable (String) -> String) {
        self.instance = instance
        self.resolveAfter = resolveAfter
        self.alertURL = alertURL
    }

    public init(configuration: NotifyConfiguration) {
        self.init(instance: configuration.instance, resolveAfter: configuration.alertmanagerResolveAfter) {
            configuration.alertURL($0)
        }
    }

    /// When Alertmanager should consider the alert resolved (seconds since the epoch): when
    /// detection resolved it (`resolved_at`); while it is active, `resolveAfter` after it was
    /// detected (`notify.alertmanager_resolve_after`), a bound should no resolution ever come; a
    /// test alert 5 minutes after it was sent.
    public func endsAt(_ message: NotificationMessage) -> Int64 {
        if message.isTest { return message.sentAt / 1000 + 300 }
        if let resolvedAt = message.alert.resolvedAt { return resolvedAt }
        return message.alert.detectedAt + Int64(resolveAfter.components.seconds)
    }

    /// Still active at `now` (seconds): worth re-sending.
    public func isActive(_ message: NotificationMessage, now: Int64) -> Bool { endsAt(message) > now }

    public func request(_ messages: [NotificationMessage], to url: String) throws -> OutgoingRequest {
        .json(url: Self.endpoint(url), body: try NotifyWire.encode(messages.map(posted)))
    }

    /// `http://host:9093` → `http://host:9093/api/v2/alerts` (a path prefix, as behind a proxy, is kept).
    public static func endpoint(_ url: String) -> String {
        if url.hasSuffix("/api/v2/alerts") { return url }
        return (url.hasSuffix("/") ? String(url.dropLast()) : url) + "/api/v2/alerts"
    }

    struct PostableAlert: Encodable {
        var labels: [String: String]
        var annotations: [String: String]
        var startsAt: String
        var endsAt: String
        var generatorURL: String
    }

    func posted(_ message: NotificationMessage) -> PostableAlert {
        let alert = message.alert
        var labels = [
            "alertname": message.isTest ? "vigil_test" : "vigil_" + alert.category.rawValue,
            "category": message.isTest ? "test" : alert.category.rawValue,
            "severity": alert.severity.rawValue,
            "service": message.service,
            "anomaly_id": alert.anomalyID,
            "instance": instance,
        ]
        if message.isTest { labels["test"] = "true" }
        var annotations = ["summary": alert.description, "analysis_source": alert.analysisSource]
        annotations["root_cause"] = alert.rootCause
        annotations["impact"] = alert.impact
        if !alert.recommendedActions.isEmpty { annotations["recommended_actions"] = alert.recommendedActions.joined(separator: "; ") }
        if let confidence = alert.confidence { annotations["confidence"] = String(confidence) }
        // Alertmanager treats an empty value as absent; leave such keys out.
        labels = labels.filter { !$0.value.isEmpty }
        annotations = annotations.filter { !$0.value.isEmpty }
        let starts = message.isTest ? message.sentAt / 1000 : alert.detectedAt
        return PostableAlert(
            labels: labels, annotations: annotations,
            startsAt: NotifyWire.rfc3339(seconds: starts), endsAt: NotifyWire.rfc3339(seconds: endsAt(message)),
            generatorURL: alertURL(alert.anomalyID))
    }
}
