import Syslog

/// What Vigil reports: the anomalies of one category in one scope found on one tick (on any of
/// the windows), after cooldown.
///
/// Field names mirror the alert JSON of the brief (`anomaly_id`, `detected_at`, …) so that the
/// store and the HTTP API map them one to one. The analysis fields start empty with
/// ``analysisSource`` "pending"; the analysis step fills them in later. ``incidentID`` is given
/// when the alert is stored (incidents span processes, so the store assigns it) and
/// ``resolvedAt`` once its rule has stopped matching.
public struct Alert: Sendable, Hashable {
    /// Time-based and unique within a detector: `anom_20240115_103045_1` (see ``AnomalyID``).
    public var anomalyID: String
    /// Seconds since the epoch; ``detectedAtRFC3339`` for display.
    public var detectedAt: Int64
    public var severity: AlertSeverity
    public var category: AnomalyCategory
    /// What the alert is about: a service, or all services (the cooldown's and resolution's key).
    public var scope: Scope
    /// The window (seconds) whose rule decided the alert: the shortest window that matched with
    /// the alert's severity.
    public var windowSeconds: Int64
    /// The incident the alert belongs to (shared by alerts across services and categories raised
    /// within the correlation window of each other); `nil` until the alert is stored.
    public var incidentID: String?
    /// When the rule had stopped matching the alert's scope for the resolution's ticks in a row
    /// (seconds since the epoch); `nil` while active.
    public var resolvedAt: Int64?
    public var affectedServices: [String]
    public var description: String
    /// The metrics of the anomaly that decided the alert (the most severe one).
    public var current: ScopeMetrics
    public var baseline: ScopeMetrics
    public var multiplier: Double?
    /// Every anomaly of this category on this tick (overall and per service).
    public var anomalies: [Anomaly]
    /// Up to ``DetectionConfiguration/maximumSamples`` recent messages of the affected services,
    /// errors first.
    public var sampleMessages: [String]
    /// The top message templates of the affected services (a `new_pattern` alert's new templates
    /// first): shape, count in the window, an example, first seen.
    public var samples: [TemplateSample] = []
    public var rootCause: String?
    public var impact: String?
    public var recommendedActions: [String]
    /// 0.0 … 1.0 once analysed.
    public var confidence: Double?
    /// "pending" until analysed; the analysis step sets e.g. "claude" or "offline".
    public var analysisSource: String
    /// Provenance of the analysis (see ``AlertAnalysis``): why Claude's answer is missing, which
    /// model answered, its token usage, and how long the analysis took.
    public var analysisError: String?
    public var analysisModel: String?
    public var analysisInputTokens: Int?
    public var analysisOutputTokens: Int?
    public var analysisLatencyMilliseconds: Int?

    public static let pendingAnalysis = "pending"

    public init(
        anomalyID: String,
        detectedAt: Int64,
        severity: AlertSeverity,
        category: AnomalyCategory,
        scope: Scope = .overall,
        windowSeconds: Int64 = 0,
        incidentID: String? = nil,
        resolvedAt: Int64? = nil,
        affectedServices: [String],
        description: String,
        current: ScopeMetrics,
        baseline: ScopeMetrics,
        multiplier: Double?,
        anomalies: [Anomaly],
        sampleMessages: [String],
        rootCause: String? = nil,
        impact: String? = nil,
        recommendedActions: [String] = [],
        confidence: Double? = nil,
        analysisSource: String = Alert.pendingAnalysis,
        analysisError: String? = nil,
        analysisModel: String? = nil,
        analysisInputTokens: Int? = nil,
        analysisOutputTokens: Int? = nil,
        analysisLatencyMilliseconds: Int? = nil
    ) {
        self.anomalyID = anomalyID
        self.detectedAt = detectedAt
        self.severity = severity
        self.category = category
        self.scope = scope
        self.windowSeconds = windowSeconds
        self.incidentID = incidentID
        self.resolvedAt = resolvedAt
        self.affectedServices = affectedServices
        self.description = description
        self.current = current
        self.baseline = baseline
        self.multiplier = multiplier
        self.anomalies = anomalies
        self.sampleMessages = sampleMessages
        self.rootCause = rootCause
        self.impact = impact
        self.recommendedActions = recommendedActions
        self.confidence = confidence
        self.analysisSource = analysisSource
        self.analysisError = analysisError
        self.analysisModel = analysisModel
        self.analysisInputTokens = analysisInputTokens
        self.analysisOutputTokens = analysisOutputTokens
        self.analysisLatencyMilliseconds = analysisLatencyMilliseconds
    }

    /// `detected_at` as RFC 3339 UTC, e.g. `2024-01-15T10:30:45.000000Z`.
    public var detectedAtRFC3339: String { Self.rfc3339(seconds: detectedAt) }

    /// Seconds since the epoch as RFC 3339 UTC.
    public static func rfc3339(seconds: Int64) -> String {
        SyslogTimestamp(utcSeconds: seconds).rfc3339UTC
    }

    /// The category and scope this alert is about.
    public var key: AlertKey { AlertKey(category, scope) }

    /// Groups one tick's anomalies of a single category into an alert: the most severe (then the
    /// shortest window, then the largest multiplier, then the scope's own before an overall one)
    /// decides severity, scope, window, metrics and the description's lead; affected services are
    /// the union, the deciding anomaly's first. `nil` for no anomalies.
    public static func grouping(
        _ anomalies: [Anomaly],
        id: String,
        detectedAt: Int64,
        samples: [String]
    ) -> Alert? {
        guard
            let lead = anomalies.max(by: {
                ($0.severity, -$0.windowSeconds, $0.multiplier ?? 0, $0.scope != .overall ? 1 : 0)
                    < ($1.severity, -$1.windowSeconds, $1.multiplier ?? 0, $1.scope != .overall ? 1 : 0)
            })
        else { return nil }
        var services: [String] = []
        for service in lead.affectedServices + anomalies.flatMap(\.affectedServices) where !services.contains(service) {
            services.append(service)
        }
        let others = anomalies.count - 1
        return Alert(
            anomalyID: id,
            detectedAt: detectedAt,
            severity: lead.severity,
            category: lead.category,
            scope: lead.scope,
            windowSeconds: lead.windowSeconds,
            affectedServices: services,
            description: lead.description + (others > 0 ? " (and \(others) related)" : ""),
            current: lead.current,
            baseline: lead.baseline,
            multiplier: lead.multiplier,
            anomalies: anomalies,
            sampleMessages: samples
        )
    }
}
