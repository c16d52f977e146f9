import Detect
import Logging

/// Asks Claude for the root cause of an alert; when that fails in any way, returns the offline
/// analysis with the reason in ``AlertAnalysis/error`` (and whatever provenance there is: the
/// model and tokens of an unusable answer are still recorded).
public struct ClaudeAnalyzer: AlertAnalyzer {
    public let client: MessagesClient
    public let prompt: AnalysisPrompt
    public let offline: OfflineAnalyzer
    private let logger: Logger

    public init(client: MessagesClient, prompt: AnalysisPrompt, offline: OfflineAnalyzer = OfflineAnalyzer(), logger: Logger) {
        self.client = client
        self.prompt = prompt
        self.offline = offline
        self.logger = logger
    }

    public func analyze(_ alert: Alert) async -> AlertAnalysis {
        await analyze(alert, deadline: ContinuousClock.now + client.configuration.totalTimeout)
    }

    public func analyze(_ alert: Alert, deadline: ContinuousClock.Instant) async -> AlertAnalysis {
        await analyze(alert, incident: nil, deadline: deadline)
    }

    public func analyze(_ alert: Alert, incident: Incident?, deadline: ContinuousClock.Instant?) async -> AlertAnalysis {
        let deadline = deadline ?? ContinuousClock.now + client.configuration.totalTimeout
        let clock = ContinuousClock()
        let started = clock.now
        func elapsed() -> Int { Int(started.duration(to: clock.now).nanoseconds / 1_000_000) }
        let reply: MessagesReply
        do {
            reply = try await client.send(system: AnalysisPrompt.system, user: prompt.userMessage(for: alert, incident: incident), deadline: deadline)
        } catch {
            logger.warning("analysis of \(alert.anomalyID): \(error); offline summary instead")
            var fallback = offline.analysis(of: alert, incident: incident)
            fallback.error = "\(error)"
            fallback.latencyMilliseconds = elapsed()
            return fallback
        }
        client.metrics.tokens(input: reply.inputTokens, output: reply.outputTokens)
        let latency = elapsed()
        do {
            let answer = try AnalysisAnswer.parse(reply.text)
            client.metrics.request(outcome: "success")
            client.metrics.latency(started.duration(to: clock.now))
            return AlertAnalysis(
                rootCause: answer.rootCause,
                impact: answer.impact,
                recommendedActions: answer.recommendedActions,
                confidence: answer.confidence,
                source: AlertAnalysis.claudeSource,
                model: reply.model ?? client.configuration.model,
                inputTokens: reply.inputTokens,
                outputTokens: reply.outputTokens,
                latencyMilliseconds: latency
            )
        } catch {
            client.metrics.request(outcome: "invalid_answer")
            let reason = reply.text.isEmpty
                ? "Claude's answer has no text (stop_reason \(reply.stopReason ?? "none"))"
                : "\(error)" + (reply.stopReason == "refusal" ? " (Claude refused)" : "")
            logger.warning("analysis of \(alert.anomalyID): \(reason); offline summary instead")
            var fallback = offline.analysis(of: alert, incident: incident)
            fallback.error = reason
            fallback.model = reply.model ?? client.configuration.model
            fallback.inputTokens = reply.inputTokens
            fallback.outputTokens = reply.outputTokens
            fallback.latencyMilliseconds = latency
            return fallback
        }
    }

    public func shutdown() async {
        await client.shutdown()
    }
}
