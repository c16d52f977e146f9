/// Everything the analysis step needs to know, as plain fields: the Claude Messages API
/// (key, base URL, model, sampling), its deadlines and retries, and the queue's bounds.
///
/// The composition root fills it from its configuration (file, environment, flags: `vigil`'s
/// `[analysis]` section); the module reads no environment itself. Without an API key the
/// analysis is offline only.
public struct AnalyzerConfiguration: Sendable, Hashable {
    /// `analysis.api_key` (`ANTHROPIC_API_KEY`); `nil` (or empty) means offline analysis only.
    public var apiKey: String?
    /// `analysis.base_url` (`ANTHROPIC_BASE_URL`), without the `/v1/messages` path.
    public var baseURL: String = "https://api.anthropic.com"
    /// `analysis.model` (`ANTHROPIC_MODEL`).
    public var model: String = "claude-sonnet-4-20250514"
    /// `analysis.max_tokens` (`ANTHROPIC_MAX_TOKENS`).
    public var maxTokens: Int = 1500
    /// `analysis.temperature` (`ANTHROPIC_TEMPERATURE`).
    public var temperature: Double = 0.2
    /// `analysis.connect_timeout` (`ANTHROPIC_CONNECT_TIMEOUT`, seconds): establishing the connection, each attempt.
    public var connectTimeout: Duration = .seconds(10)
    /// `analysis.request_timeout` (`ANTHROPIC_TIMEOUT`, seconds): the whole analysis of one alert,
    /// counted from its submission to the queue — the wait there, every attempt and every backoff. A Claude that never answers costs at most this, then the offline
    /// analysis stands in.
    public var totalTimeout: Duration = .seconds(30)
    /// `analysis.max_retries` (`ANTHROPIC_MAX_RETRIES`): retries after the first attempt (429, 500–504, 529, transport errors).
    public var maxRetries: Int = 3
    /// First backoff; doubled per retry, capped at ``maximumBackoff``, with full jitter.
    public var initialBackoff: Duration = .milliseconds(500)
    public var maximumBackoff: Duration = .seconds(8)
    /// `analysis.queue_capacity`: alerts waiting for Claude; beyond it the oldest waiting one goes
    /// to the offline analyzer (and is counted).
    public var queueCapacity: Int = 100
    /// `analysis.concurrency`: requests to Claude at once.
    public var concurrency: Int = 2
    /// Upper bound on the error samples' text in the prompt, in characters.
    public var sampleBudget: Int = 4000

    public init() {}

    /// Whether Claude is asked at all.
    public var usesClaude: Bool { !(apiKey ?? "").isEmpty }

    /// `{base}/v1/messages`, whether or not the base ends in a slash.
    public var messagesURL: String {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/v1/messages"
    }
}

extension AnalyzerConfiguration: CustomStringConvertible {
    /// For logs: everything but the API key, of which only whether it is set.
    public var description: String {
        "AnalyzerConfiguration(apiKey: \(usesClaude ? "set" : "unset"), url: \(messagesURL), model: \(model), "
            + "maxTokens: \(maxTokens), temperature: \(temperature), connectTimeout: \(connectTimeout), "
            + "totalTimeout: \(totalTimeout), maxRetries: \(maxRetries), queueCapacity: \(queueCapacity), "
            + "concurrency: \(concurrency))"
    }
}
