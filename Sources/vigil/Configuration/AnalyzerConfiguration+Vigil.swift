import Analyze

extension AnalyzerConfiguration {
    /// The `[analysis]` section (file, environment — `ANTHROPIC_*` included — and flags, already
    /// checked) as the Analyze module takes it. Without a key the offline analyzer is used.
    init(_ analysis: VigilConfiguration.Analysis) {
        self.init()
        apiKey = analysis.apiKey.isEmpty ? nil : analysis.apiKey
        baseURL = analysis.baseURL
        model = analysis.model
        maxTokens = analysis.maxTokens
        temperature = analysis.temperature
        totalTimeout = .milliseconds(Int64((analysis.requestTimeout * 1000).rounded()))
        connectTimeout = .milliseconds(Int64((analysis.connectTimeout * 1000).rounded()))
        maxRetries = analysis.maxRetries
        queueCapacity = analysis.queueCapacity
        concurrency = analysis.concurrency
    }
}
