/// How urgent an alert is. Ordered so that the worse of two is `max`.
public enum AlertSeverity: String, Sendable, Hashable, Comparable, CaseIterable {
    case low, medium, high, critical

    private var rank: Int {
        switch self {
        case .low: 0
        case .medium: 1
        case .high: 2
        case .critical: 3
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
}

/// What kind of deviation was seen; cooldowns are per category and scope (``AlertKey``).
public enum AnomalyCategory: String, Sendable, Hashable, CaseIterable {
    case errorSpike = "error_spike"
    case volumeSpike = "volume_spike"
    case serviceChange = "service_change"
    /// An error-level message template never seen before (or not for a long time), appearing
    /// repeatedly.
    case newPattern = "new_pattern"
}

/// One rule firing for one scope: the facts, before cooldown and before grouping into an alert.
public struct Anomaly: Sendable, Hashable {
    public var category: AnomalyCategory
    public var severity: AlertSeverity
    public var scope: Scope
    /// The trailing window (seconds) whose counts and baseline matched the rule (0: unknown, as
    /// in alerts stored before windows were recorded).
    public var windowSeconds: Int64
    /// The services this is about: the scope's service, or for the overall scope the services
    /// that explain it (those with spiking error rates, the new and the vanished ones).
    public var affectedServices: [String]
    public var current: ScopeMetrics
    public var baseline: ScopeMetrics
    /// Current over baseline for the rule's quantity (error rate, volume); capped at
    /// ``DetectionConfiguration/multiplierCap`` when the baseline is zero; `nil` for
    /// `service_change`, where a ratio means nothing.
    public var multiplier: Double?
    /// For `service_change`: services active now but not in the previous completed window, and
    /// the reverse.
    public var appearedServices: [String]
    public var vanishedServices: [String]
    /// For `new_pattern`: the template that appeared.
    public var pattern: TemplateSample?
    public var description: String

    public init(
        category: AnomalyCategory,
        severity: AlertSeverity,
        scope: Scope,
        windowSeconds: Int64 = 0,
        affectedServices: [String],
        current: ScopeMetrics,
        baseline: ScopeMetrics,
        multiplier: Double?,
        appearedServices: [String] = [],
        vanishedServices: [String] = [],
        pattern: TemplateSample? = nil,
        description: String
    ) {
        self.category = category
        self.severity = severity
        self.scope = scope
        self.windowSeconds = windowSeconds
        self.affectedServices = affectedServices
        self.current = current
        self.baseline = baseline
        self.multiplier = multiplier
        self.appearedServices = appearedServices
        self.vanishedServices = vanishedServices
        self.pattern = pattern
        self.description = description
    }
}

extension Anomaly {
    /// The category and scope this anomaly is about.
    public var key: AlertKey { AlertKey(category, scope) }
}
