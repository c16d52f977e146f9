import CoreMetrics

/// The analysis step's metrics, through swift-metrics — by default the process-wide factory the
/// composition root bootstraps (without one they cost nothing); tests hand in their own:
/// - `vigil_analysis_requests_total{outcome}` — Messages API attempts: success, invalid_answer,
///   rate_limited, overloaded, server_error, client_error, timeout, transport_error,
///   malformed_response, cancelled;
/// - `vigil_analysis_retries_total`;
/// - `vigil_analysis_latency_seconds` — one alert's successful analysis by Claude, retries included;
/// - `vigil_analysis_tokens_total{kind="input"|"output"}`;
/// - `vigil_analysis_dropped_total` — alerts the full queue sent to the offline analyzer;
/// - `vigil_analysis_results_total{source="claude"|"offline"}` — analyses recorded in the store;
/// - `vigil_analysis_store_failures_total` — analyses the store refused;
/// - `vigil_analysis_queue_depth` — alerts waiting for Claude.
public struct AnalysisMetrics: Sendable {
    let factory: any MetricsFactory

    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
    }

    func request(outcome: String) {
        Counter(label: "vigil_analysis_requests_total", dimensions: [("outcome", outcome)], factory: factory).increment()
    }

    func retry() {
        Counter(label: "vigil_analysis_retries_total", factory: factory).increment()
    }

    func latency(_ duration: Duration) {
        Timer(label: "vigil_analysis_latency_seconds", factory: factory).recordNanoseconds(duration.nanoseconds)
    }

    func tokens(input: Int?, output: Int?) {
        if let input, input > 0 { Counter(label: "vigil_analysis_tokens_total", dimensions: [("kind", "input")], factory: factory).increment(by: input) }
        if let output, output > 0 { Counter(label: "vigil_analysis_tokens_total", dimensions: [("kind", "output")], factory: factory).increment(by: output) }
    }

    func dropped() {
        Counter(label: "vigil_analysis_dropped_total", factory: factory).increment()
    }

    func result(source: String) {
        Counter(label: "vigil_analysis_results_total", dimensions: [("source", source)], factory: factory).increment()
    }

    func storeFailure() {
        Counter(label: "vigil_analysis_store_failures_total", factory: factory).increment()
    }

    func queueDepth(_ depth: Int) {
        Gauge(label: "vigil_analysis_queue_depth", factory: factory).record(depth)
    }
}
