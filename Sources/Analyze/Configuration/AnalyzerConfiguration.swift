/// Everything the analysis step needs to know, as plain fields: the Claude Messages API
/// (key, base URL, model, sampling), its deadlines and retries, and the queue's bounds.
///
/// Filled from the environment (``init(environment:)``) or from a configuration file's values
/// under the same keys (``init(values:)``); the composition root decides which wins (usually the
/// environment over the file: ``init(file:environment:)``). Without an API key the analysis is
/// offline only.
public struct AnalyzerConfiguration: Sendable, Hashable {
    /// `ANTHROPIC_API_KEY`; `nil` (or empty) means offline analysis only.
    public var apiKey: String?
    /// `ANTHROPIC_BASE_URL`, without the `/v1/messages` path.
    public var baseURL: String = "https://api.anthropic.com"
    /// `ANTHROPIC_MODEL`.
    public var model: String = "claude-sonnet-4-20250514"
    /// `ANTHROPIC_MAX_TOKENS`.
    public var maxTokens: Int = 1500
    /// `ANTHROPIC_TEMPERATURE`.
    public var temperature: Double = 0.2
    /// `ANTHROPIC_CONNECT_TIMEOUT` (seconds): establishing the connection, each attempt.
    public var connectTimeout: Duration = .seconds(5)
    /// `ANTHROPIC_TIMEOUT` (seconds): the whole analysis of one alert — every attempt and every
    /// backoff between them. A Claude that never answers costs at most this, then the offline
    /// analysis stands in.
    public var totalTimeout: Duration = .seconds(30)
    /// `ANTHROPIC_MAX_RETRIES`: retries after the first attempt (429, 500–504, 529, transport errors).
    public var maxRetries: Int = 3
    /// First backoff; doubled per retry, capped at ``maximumBackoff``, with full jitter.
    public var initialBackoff: Duration = .milliseconds(500)
    public var maximumBackoff: Duration = .seconds(8)
    /// `VIGIL_ANALYSIS_QUEUE`: alerts waiting for Claude; beyond it the oldest waiting one goes
    /// to the offline analyzer (and is counted).
    public var queueCapacity: Int = 64
    /// `VIGIL_ANALYSIS_CONCURRENCY`: requests to Claude at once.
    public var concurrency: Int = 2
    /// Upper bound on the error samples' text in the prompt, in characters.
    public var sampleBudget: Int = 4000

    public init() {}

    /// The environment's keys; unset keys keep the defaults.
    public init(environment: [String: String]) throws(AnalyzerConfigurationError) {
        try self.init(values: environment)
    }

    /// A configuration file's values under the environment's key names.
    public init(values: [String: String]) throws(AnalyzerConfigurationError) {
        self.init()
        try apply(values)
    }

    /// File values first, then the environment over them.
    public init(file: [String: String], environment: [String: String]) throws(AnalyzerConfigurationError) {
        self.init()
        try apply(file)
        try apply(environment)
    }

    /// Whether Claude is asked at all.
    public var usesClaude: Bool { !(apiKey ?? "").isEmpty }

    /// Sets the fields whose keys `values` has; a malformed value is an error naming the key.
    public mutating func apply(_ values: [String: String]) throws(AnalyzerConfigurationError) {
        if let key = values["ANTHROPIC_API_KEY"] { apiKey = key.isEmpty ? nil : key }
        if let url = values["ANTHROPIC_BASE_URL"], !url.isEmpty {
            guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw .invalid(key: "ANTHROPIC_BASE_URL", value: url, expected: "an http:// or https:// URL")
            }
            baseURL = url
        }
        if let name = values["ANTHROPIC_MODEL"], !name.isEmpty { model = name }
        if let text = values["ANTHROPIC_MAX_TOKENS"] { maxTokens = try Self.integer(text, key: "ANTHROPIC_MAX_TOKENS", in: 1...1_000_000) }
        if let text = values["ANTHROPIC_TEMPERATURE"] {
            guard let value = Double(text), (0...1).contains(value) else {
                throw .invalid(key: "ANTHROPIC_TEMPERATURE", value: text, expected: "a number from 0 to 1")
            }
            temperature = value
        }
        if let text = values["ANTHROPIC_CONNECT_TIMEOUT"] { connectTimeout = try Self.seconds(text, key: "ANTHROPIC_CONNECT_TIMEOUT") }
        if let text = values["ANTHROPIC_TIMEOUT"] { totalTimeout = try Self.seconds(text, key: "ANTHROPIC_TIMEOUT") }
        if let text = values["ANTHROPIC_MAX_RETRIES"] { maxRetries = try Self.integer(text, key: "ANTHROPIC_MAX_RETRIES", in: 0...20) }
        if let text = values["VIGIL_ANALYSIS_QUEUE"] { queueCapacity = try Self.integer(text, key: "VIGIL_ANALYSIS_QUEUE", in: 1...100_000) }
        if let text = values["VIGIL_ANALYSIS_CONCURRENCY"] {
            concurrency = try Self.integer(text, key: "VIGIL_ANALYSIS_CONCURRENCY", in: 1...64)
        }
    }

    /// `{base}/v1/messages`, whether or not the base ends in a slash.
    public var messagesURL: String {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/v1/messages"
    }

    private static func integer(_ text: String, key: String, in range: ClosedRange<Int>) throws(AnalyzerConfigurationError) -> Int {
        guard let value = Int(text), range.contains(value) else {
            throw .invalid(key: key, value: text, expected: "a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    private static func seconds(_ text: String, key: String) throws(AnalyzerConfigurationError) -> Duration {
        guard let value = Double(text), value.isFinite, value > 0, value <= 3600 else {
            throw .invalid(key: key, value: text, expected: "seconds, more than 0 and at most 3600")
        }
        return .milliseconds(Int64((value * 1000).rounded()))
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

public enum AnalyzerConfigurationError: Error, Hashable, CustomStringConvertible {
    case invalid(key: String, value: String, expected: String)

    public var description: String {
        switch self {
        case .invalid(let key, let value, let expected): "\(key)=\"\(value)\": expected \(expected)"
        }
    }
}
