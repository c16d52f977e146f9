import Metrics

/// The analysis step's metrics, through swift-metrics (the composition root bootstraps the
/// backend; without one they cost nothing):
/// - `vigil_analysis_requests_total{outcome}` — Messages API attempts: success, invalid_answer,
///   rate_limited, overloaded, server_error, client_error, timeout, transport_error,
///   malformed_response, cancelled;
/// - `vigil_analysis_retries_total`;
/// - `vigil_analysis_latency_seconds` — one alert's analysis by Claude, retries included;
/// - `vigil_analysis_tokens_total{kind="input"|"output"}`;
/// - `vigil_analysis_dropped_total` — alerts the full queue sent to the offline analyzer;
/// - `vigil_analysis_results_total{source="claude"|"offline"}` — analyses recorded;
/// - `vigil_analysis_store_failures_total` — analyses the store refused;
/// - `vigil_analysis_queue_depth` — alerts waiting for Claude.
public enum AnalysisMetrics {
    static func request(outcome: String) {
        Counter(label: "vigil_analysis_requests_total", dimensions: [("outcome", outcome)]).increment()
    }

    static func retry() {
        Counter(label: "vigil_analysis_retries_total").increment()
    }

    static func latency(_ duration: Duration) {
        Timer(label: "vigil_analysis_latency_seconds").record(duration: duration)
    }

    static func tokens(input: Int?, output: Int?) {
        if let input, input > 0 { Counter(label: "vigil_analysis_tokens_total", dimensions: [("kind", "input")]).increment(by: input) }
        if let output, output > 0 { Counter(label: "vigil_analysis_tokens_total", dimensions: [("kind", "output")]).increment(by: output) }
    }

    static func dropped() {
        Counter(label: "vigil_analysis_dropped_total").increment()
    }

    static func result(source: String) {
        Counter(label: "vigil_analysis_results_total", dimensions: [("source", source)]).increment()
    }

    static func storeFailure() {
        Counter(label: "vigil_analysis_store_failures_total").increment()
    }

    static func queueDepth(_ depth: Int) {
        Gauge(label: "vigil_analysis_queue_depth").record(depth)
    }
}
