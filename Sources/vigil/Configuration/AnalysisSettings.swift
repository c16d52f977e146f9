/// The `[analysis]` section as the Analyze module will take it: plain values, already checked
/// (ranges, URL scheme). `apiKey` is empty without `ANTHROPIC_API_KEY` / `analysis.api_key`:
/// then the offline analyzer is used.
struct AnalysisSettings: Sendable, Equatable {
    var apiKey: String?
    var baseURL: String
    var model: String
    var maxTokens: Int
    var temperature: Double
    var requestTimeoutSeconds: Double
    var connectTimeoutSeconds: Double
    var queueCapacity: Int
    var concurrency: Int

    init(_ analysis: VigilConfiguration.Analysis) {
        apiKey = analysis.apiKey.isEmpty ? nil : analysis.apiKey
        baseURL = analysis.baseURL
        model = analysis.model
        maxTokens = analysis.maxTokens
        temperature = analysis.temperature
        requestTimeoutSeconds = analysis.requestTimeout
        connectTimeoutSeconds = analysis.connectTimeout
        queueCapacity = analysis.queueCapacity
        concurrency = analysis.concurrency
    }
}
