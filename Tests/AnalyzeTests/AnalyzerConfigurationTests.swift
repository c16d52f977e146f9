import Analyze
import Testing

@Suite struct AnalyzerConfigurationTests {
    @Test func defaultsAreTheBriefs() {
        let configuration = AnalyzerConfiguration()
        #expect(configuration.apiKey == nil && !configuration.usesClaude)
        #expect(configuration.messagesURL == "https://api.anthropic.com/v1/messages")
        #expect(configuration.model == "claude-sonnet-4-20250514")
        #expect(configuration.maxTokens == 1500)
        #expect(configuration.temperature == 0.2)
        #expect(configuration.concurrency == 2)
    }

    @Test func theMessagesURLIgnoresATrailingSlash() {
        var configuration = AnalyzerConfiguration()
        configuration.baseURL = "http://127.0.0.1:9//"
        #expect(configuration.messagesURL == "http://127.0.0.1:9/v1/messages")
    }

    @Test func descriptionNeverShowsTheKey() {
        var configuration = AnalyzerConfiguration()
        configuration.apiKey = "sk-secret-123"
        #expect(!"\(configuration)".contains("sk-secret-123"))
        #expect("\(configuration)".contains("apiKey: set"))
        configuration.apiKey = ""
        #expect(!configuration.usesClaude)
    }
}
