import Analyze
import Detect
import Testing

@Suite struct OfflineAnalyzerTests {
    @Test func summarisesTheEvidenceWithoutInventingRemedies() {
        let analysis = OfflineAnalyzer().analysis(of: paymentsAlert())
        #expect(analysis.source == "offline")
        #expect(analysis.confidence == nil)
        #expect(analysis.recommendedActions.isEmpty)
        #expect(analysis.error == nil)
        let rootCause = analysis.rootCause ?? ""
        #expect(rootCause.contains("error_spike (high) in payments, detected at 2024-01-15T01:01:00.000000Z."))
        #expect(rootCause.contains("payments error rate 30.0% (baseline 1.0%, 30.0×)"))
        #expect(rootCause.contains(#"Dominant errors (4 samples): "Database connection timeout after <*> <*> (pool <*> order=<*>" ×3, "card declined by issuer for <*>" ×1."#))
        #expect(analysis.impact == "180 of 600 messages in the detection window were errors (30.0%) in payments.")
    }

    @Test func isDeterministic() {
        let alert = paymentsAlert()
        #expect(OfflineAnalyzer().analysis(of: alert) == OfflineAnalyzer().analysis(of: alert))
    }

    @Test func saysSoWhenThereAreNoSamples() {
        let rootCause = OfflineAnalyzer().analysis(of: paymentsAlert(samples: [])).rootCause ?? ""
        #expect(rootCause.contains("No error messages were sampled."))
    }

    @Test func describesServiceChangesAndVolume() {
        var alert = paymentsAlert(samples: [])
        alert.category = .serviceChange
        alert.anomalies = [Anomaly(
            category: .serviceChange, severity: .medium, scope: .overall, windowSeconds: 300, affectedServices: ["auth", "billing"],
            current: ScopeMetrics(errorRate: 0, volume: 100, serviceCount: 4),
            baseline: ScopeMetrics(errorRate: 0, volume: 100, serviceCount: 5), multiplier: nil,
            appearedServices: ["billing"], vanishedServices: ["auth"], description: "services changed"
        )]
        alert.current = alert.anomalies[0].current
        alert.baseline = alert.anomalies[0].baseline
        let analysis = OfflineAnalyzer().analysis(of: alert)
        #expect(analysis.impact == "Services stopped logging: auth; started logging: billing (4 active, 5 usually).")
        #expect(analysis.rootCause?.contains("overall active services 4 (baseline 5)") == true)
    }

    @Test func alertJSONCarriesTheAnalysisAndItsProvenance() {
        let alert = paymentsAlert().applying(AlertAnalysis(
            rootCause: "r", impact: nil, recommendedActions: [], confidence: nil, source: "offline",
            error: "Claude answered HTTP 529", model: "m", inputTokens: 10, outputTokens: 2, latencyMilliseconds: 1500
        ))
        let json = alert.json
        #expect(json.contains(#""root_cause":"r","impact":null,"recommended_actions":[],"confidence":null,"analysis_source":"offline""#))
        #expect(json.hasSuffix(#""analysis_error":"Claude answered HTTP 529","analysis_model":"m","analysis_input_tokens":10,"analysis_output_tokens":2,"analysis_latency_ms":1500}"#))
        #expect(paymentsAlert().json.hasSuffix(#""analysis_source":"pending","analysis_error":null,"analysis_model":null,"analysis_input_tokens":null,"analysis_output_tokens":null,"analysis_latency_ms":null}"#))
    }
}
