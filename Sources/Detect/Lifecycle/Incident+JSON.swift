import JSONOutput

/// The incident as one JSON object, as `GET /incidents/recent` and `GET /incidents/{id}` serve it:
/// `incident_id`, `opened_at`, `last_alert_at`, `resolved_at` (null while open), `status`
/// ("open" or "resolved"), `services`, `categories`, `worst_severity`, `alert_count` and
/// `alerts` (the alert JSON, oldest first). Times are RFC 3339.
extension Incident {
    public var json: String {
        var out = JSONWriter(capacity: 1024 * (alerts.count + 1))
        out.open()
        out.field("incident_id", incidentID)
        out.field("opened_at", Alert.rfc3339(seconds: openedAt))
        out.field("last_alert_at", Alert.rfc3339(seconds: lastAlertAt))
        out.field("resolved_at", resolvedAt.map(Alert.rfc3339(seconds:)))
        out.field("status", isResolved ? "resolved" : "open")
        out.field("services", services)
        out.field("categories", categories.map(\.rawValue))
        out.field("worst_severity", worstSeverity.rawValue)
        out.field("alert_count", alerts.count)
        out.key("alerts")
        out.array(alerts) { out, alert in alert.write(to: &out) }
        out.close()
        return out.text
    }
}
