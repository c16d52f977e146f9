import Detect

/// Something that turns an alert into an analysis. Never fails: an analyzer that cannot do its
/// job (Claude unreachable, an unusable answer) returns the offline analysis with
/// ``AlertAnalysis/error`` saying why.
public protocol AlertAnalyzer: Sendable {
    func analyze(_ alert: Alert) async -> AlertAnalysis
    /// Releases resources (connections); called once, after the last `analyze`.
    func shutdown() async
}

extension AlertAnalyzer {
    public func shutdown() async {}
}
