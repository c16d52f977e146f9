/// The outcome of analysing one alert — from Claude, or from the offline analyzer — as one value,
/// so that the analysis step hands the store (``Alert/apply(_:)``, `VigilStore.updateAnalysis`)
/// a single thing to record.
///
/// Provenance travels with the answer: which model, how many tokens, how long it took, and, when
/// Claude was asked but the answer could not be used, why (``error``) — the offline summary then
/// stands in for it.
public struct AlertAnalysis: Sendable, Hashable {
    public var rootCause: String?
    public var impact: String?
    public var recommendedActions: [String]
    /// 0.0 … 1.0 from Claude; `nil` from the offline analyzer, which does not guess.
    public var confidence: Double?
    /// "claude" or "offline" (see ``Alert/analysisSource``).
    public var source: String
    /// Why Claude's answer is missing or unusable (HTTP status, timeout, invalid JSON …); `nil`
    /// when the analysis is Claude's, or when Claude was never asked (no API key).
    public var error: String?
    /// The model that answered (as the API reported it), when Claude was asked.
    public var model: String?
    public var inputTokens: Int?
    public var outputTokens: Int?
    /// Wall time of the whole analysis, retries included, in milliseconds.
    public var latencyMilliseconds: Int?

    public static let claudeSource = "claude"
    public static let offlineSource = "offline"

    public init(
        rootCause: String?,
        impact: String?,
        recommendedActions: [String],
        confidence: Double?,
        source: String,
        error: String? = nil,
        model: String? = nil,
        inputTokens: Int? = nil,
        outputTokens: Int? = nil,
        latencyMilliseconds: Int? = nil
    ) {
        self.rootCause = rootCause
        self.impact = impact
        self.recommendedActions = recommendedActions
        self.confidence = confidence
        self.source = source
        self.error = error
        self.model = model
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.latencyMilliseconds = latencyMilliseconds
    }
}

extension Alert {
    /// The analysis as recorded on this alert (``analysisSource`` "pending" reads as such).
    public var analysis: AlertAnalysis {
        AlertAnalysis(
            rootCause: rootCause,
            impact: impact,
            recommendedActions: recommendedActions,
            confidence: confidence,
            source: analysisSource,
            error: analysisError,
            model: analysisModel,
            inputTokens: analysisInputTokens,
            outputTokens: analysisOutputTokens,
            latencyMilliseconds: analysisLatencyMilliseconds
        )
    }

    /// Records `analysis` on the alert, replacing any earlier one.
    public mutating func apply(_ analysis: AlertAnalysis) {
        rootCause = analysis.rootCause
        impact = analysis.impact
        recommendedActions = analysis.recommendedActions
        confidence = analysis.confidence
        analysisSource = analysis.source
        analysisError = analysis.error
        analysisModel = analysis.model
        analysisInputTokens = analysis.inputTokens
        analysisOutputTokens = analysis.outputTokens
        analysisLatencyMilliseconds = analysis.latencyMilliseconds
    }

    /// A copy with `analysis` recorded.
    public func applying(_ analysis: AlertAnalysis) -> Alert {
        var copy = self
        copy.apply(analysis)
        return copy
    }
}
