import Detect

/// Something that turns an alert into an analysis. Never fails: an analyzer that cannot do its
/// job (Claude unreachable, an unusable answer) returns the offline analysis with
/// ``AlertAnalysis/error`` saying why.
public protocol AlertAnalyzer: Sendable {
    func analyze(_ alert: Alert) async -> AlertAnalysis
    /// The analysis, finished by `deadline` (else the offline one, saying so): the queue passes
    /// the alert's submission time plus the analysis deadline, so waiting in the queue counts.
    func analyze(_ alert: Alert, deadline: ContinuousClock.Instant) async -> AlertAnalysis
    /// The analysis of `alert` as part of `incident` (its alerts so far, this one among them): the
    /// other alerts — which services, which categories, in what order — are evidence of a common
    /// cause. The queue passes the incident as the store has it when the analysis starts.
    /// `deadline` as above; `nil` for the analyzer's own bound.
    func analyze(_ alert: Alert, incident: Incident?, deadline: ContinuousClock.Instant?) async -> AlertAnalysis
    /// Releases resources (connections); called once, after the last `analyze`.
    func shutdown() async
}

extension AlertAnalyzer {
    public func shutdown() async {}

    /// Analyzers that take no time (offline) ignore the deadline.
    public func analyze(_ alert: Alert, deadline: ContinuousClock.Instant) async -> AlertAnalysis {
        await analyze(alert)
    }

    /// Analyzers that do not use the incident analyse the alert alone.
    public func analyze(_ alert: Alert, incident: Incident?, deadline: ContinuousClock.Instant?) async -> AlertAnalysis {
        if let deadline { await analyze(alert, deadline: deadline) } else { await analyze(alert) }
    }
}
