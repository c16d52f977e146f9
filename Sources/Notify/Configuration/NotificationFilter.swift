import Detect

/// Which alerts one kind of target hears about: those at or above ``minimumSeverity`` and, when
/// ``categories`` is not empty, of one of those categories.
public struct NotificationFilter: Sendable, Hashable {
    public var minimumSeverity: AlertSeverity
    /// Empty: every category.
    public var categories: Set<AnomalyCategory>

    public init(minimumSeverity: AlertSeverity = .low, categories: Set<AnomalyCategory> = []) {
        self.minimumSeverity = minimumSeverity
        self.categories = categories
    }

    public func admits(_ alert: Alert) -> Bool {
        alert.severity >= minimumSeverity && (categories.isEmpty || categories.contains(alert.category))
    }
}
