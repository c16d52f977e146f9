/// Alerts that belong together: raised while one incident was open — from its first alert until
/// ``DetectionConfiguration/correlationSeconds`` after its latest — across services and
/// categories. A database outage failing three services is one incident of three alerts.
///
/// An incident is resolved when all its alerts are; a new alert joining it opens it again. The
/// store assigns alerts to incidents (atomically, for every process on the database) and keeps
/// ``openedAt``, ``lastAlertAt`` and ``resolvedAt``; the rest is derived from the alerts.
public struct Incident: Sendable, Hashable {
    public var incidentID: String
    public var openedAt: Int64
    public var lastAlertAt: Int64
    public var resolvedAt: Int64?
    /// Oldest first.
    public var alerts: [Alert]

    public init(incidentID: String, openedAt: Int64, lastAlertAt: Int64, resolvedAt: Int64?, alerts: [Alert]) {
        self.incidentID = incidentID
        self.openedAt = openedAt
        self.lastAlertAt = lastAlertAt
        self.resolvedAt = resolvedAt
        self.alerts = alerts
    }

    public var isResolved: Bool { resolvedAt != nil }

    /// Every affected service, in the order the alerts named them.
    public var services: [String] {
        var seen: [String] = []
        for service in alerts.flatMap(\.affectedServices) where !seen.contains(service) { seen.append(service) }
        return seen
    }

    /// Every category, in the order the alerts raised them.
    public var categories: [AnomalyCategory] {
        var seen: [AnomalyCategory] = []
        for category in alerts.map(\.category) where !seen.contains(category) { seen.append(category) }
        return seen
    }

    public var worstSeverity: AlertSeverity { alerts.map(\.severity).max() ?? .low }

    /// The incident id for an incident opened by the alert `anomalyID` (`anom_…` → `inc_…`):
    /// readable, sortable by time, and unique as alert ids are.
    public static func id(openedBy anomalyID: String) -> String {
        "inc_" + (anomalyID.hasPrefix("anom_") ? String(anomalyID.dropFirst(5)) : anomalyID)
    }
}
