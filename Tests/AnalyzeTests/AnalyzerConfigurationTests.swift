import Analyze
import Testing

@Suite struct AnalyzerConfigurationTests {
    @Test func defaultsAreTheBriefs() throws {
        let configuration = try AnalyzerConfiguration(environment: [:])
        #expect(configuration.apiKey == nil && !configuration.usesClaude)
        #expect(configuration.messagesURL == "https://api.anthropic.com/v1/messages")
        #expect(configuration.model == "claude-sonnet-4-20250514")
        #expect(configuration.maxTokens == 1500)
        #expect(configuration.temperature == 0.2)
        #expect(configuration.concurrency == 2)
    }

    @Test func readsTheEnvironment() throws {
        let configuration = try AnalyzerConfiguration(environment: [
            "ANTHROPIC_API_KEY": "k", "ANTHROPIC_BASE_URL": "http://127.0.0.1:9/", "ANTHROPIC_MODEL": "claude-x",
            "ANTHROPIC_TIMEOUT": "2.5", "ANTHROPIC_CONNECT_TIMEOUT": "1", "ANTHROPIC_MAX_RETRIES": "0",
            "VIGIL_ANALYSIS_QUEUE": "8", "VIGIL_ANALYSIS_CONCURRENCY": "3", "UNRELATED": "x",
        ])
        #expect(configuration.usesClaude)
        #expect(configuration.messagesURL == "http://127.0.0.1:9/v1/messages")
        #expect(configuration.model == "claude-x")
        #expect(configuration.totalTimeout == .milliseconds(2500))
        #expect(configuration.connectTimeout == .seconds(1))
        #expect(configuration.maxRetries == 0)
        #expect(configuration.queueCapacity == 8)
        #expect(configuration.concurrency == 3)
    }

    @Test func descriptionNeverShowsTheKey() throws {
        let configuration = try AnalyzerConfiguration(environment: ["ANTHROPIC_API_KEY": "sk-secret-123"])
        #expect(!"\(configuration)".contains("sk-secret-123"))
        #expect("\(configuration)".contains("apiKey: set"))
    }

    @Test func theEnvironmentOverridesTheFile() throws {
        let configuration = try AnalyzerConfiguration(
            file: ["ANTHROPIC_MODEL": "from-file", "ANTHROPIC_API_KEY": "file-key"],
            environment: ["ANTHROPIC_MODEL": "from-env"]
        )
        #expect(configuration.model == "from-env")
        #expect(configuration.apiKey == "file-key")
        #expect(try !AnalyzerConfiguration(environment: ["ANTHROPIC_API_KEY": ""]).usesClaude)
    }

    @Test(arguments: [
        ("ANTHROPIC_TIMEOUT", "0"), ("ANTHROPIC_TIMEOUT", "soon"), ("ANTHROPIC_MAX_TOKENS", "-1"),
        ("ANTHROPIC_TEMPERATURE", "2"), ("ANTHROPIC_BASE_URL", "ftp://x"), ("VIGIL_ANALYSIS_CONCURRENCY", "0"),
    ])
    func malformedValuesAreErrorsNamingTheKey(_ key: String, _ value: String) {
        #expect(throws: AnalyzerConfigurationError.self) { try AnalyzerConfiguration(environment: [key: value]) }
        do {
            _ = try AnalyzerConfiguration(environment: [key: value])
        } catch {
            #expect(error.description.hasPrefix("\(key)=\"\(value)\": expected"))
        }
    }
}

@Suite struct RetryPolicyTests {
    let policy = RetryPolicy(maxRetries: 3, initialBackoff: .milliseconds(500), maximumBackoff: .seconds(4))

    @Test func backoffDoublesUpToTheCapWithFullJitter() {
        #expect(policy.delay(beforeRetry: 1, retryAfter: nil, random: { $0.upperBound }) == .milliseconds(500))
        #expect(policy.delay(beforeRetry: 2, retryAfter: nil, random: { $0.upperBound }) == .seconds(1))
        #expect(policy.delay(beforeRetry: 3, retryAfter: nil, random: { $0.upperBound }) == .seconds(2))
        #expect(policy.delay(beforeRetry: 6, retryAfter: nil, random: { $0.upperBound }) == .seconds(4))
        #expect(policy.delay(beforeRetry: 6, retryAfter: nil, random: { $0.lowerBound }) == .zero)
        for retry in 1...10 {
            #expect(policy.delay(beforeRetry: retry, retryAfter: nil) <= .seconds(4))
        }
    }

    @Test func retryAfterWins() {
        #expect(policy.delay(beforeRetry: 1, retryAfter: .seconds(7)) == .seconds(7))
        #expect(RetryPolicy.retryAfter("2") == .seconds(2))
        #expect(RetryPolicy.retryAfter(" 0.25 ") == .milliseconds(250))
        #expect(RetryPolicy.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT") == nil)
        #expect(RetryPolicy.retryAfter("-1") == nil)
        #expect(RetryPolicy.retryAfter(nil) == nil)
    }

    @Test(arguments: [(429, true), (500, true), (502, true), (503, true), (504, true), (529, true),
                      (400, false), (401, false), (403, false), (404, false), (413, false), (505, false)])
    func retriesOnlyWhatARetryCanFix(_ status: Int, _ retryable: Bool) {
        #expect(MessagesAPIError.http(status: status, type: nil, message: nil).isRetryable == retryable)
    }
}
