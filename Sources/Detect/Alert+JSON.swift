import JSONOutput

/// The alert as one JSON object — the shape `vigil analyze` and `vigil alerts` print and the HTTP
/// API serves (`GET /alerts/recent`, inside incidents). One call per key, through the
/// Foundation-free ``JSONWriter`` that `vigil parse` also writes with.
extension Alert {
    public var json: String {
        var out = JSONWriter(capacity: 1024)
        write(to: &out)
        return out.text
    }

    /// Writes the alert as the next value of `out` (an incident nests its alerts this way).
    public func write(to out: inout JSONWriter) {
        out.open()
        out.field("anomaly_id", anomalyID)
        out.field("detected_at", detectedAtRFC3339)
        out.field("severity", severity.rawValue)
        out.field("category", category.rawValue)
        out.field("window_seconds", windowSeconds)
        out.field("incident_id", incidentID)
        out.field("resolved_at", resolvedAt.map(Alert.rfc3339(seconds:)))
        out.field("affected_services", affectedServices)
        out.field("description", description)
        out.key("metrics")
        out.open()
        out.key("current")
        out.metrics(current)
        out.key("baseline")
        out.metrics(baseline)
        out.field("multiplier", multiplier)
        if category == .serviceChange {
            out.field("appeared_services", anomalies.flatMap(\.appearedServices))
            out.field("vanished_services", anomalies.flatMap(\.vanishedServices))
        }
        out.close()
        out.field("sample_messages", sampleMessages)
        out.key("samples")
        out.array(samples) { out, sample in out.sample(sample) }
        out.field("root_cause", rootCause)
        out.field("impact", impact)
        out.field("recommended_actions", recommendedActions)
        out.field("confidence", confidence)
        out.field("analysis_source", analysisSource)
        out.field("analysis_error", analysisError)
        out.field("analysis_model", analysisModel)
        out.field("analysis_input_tokens", analysisInputTokens.map(Double.init))
        out.field("analysis_output_tokens", analysisOutputTokens.map(Double.init))
        out.field("analysis_latency_ms", analysisLatencyMilliseconds.map(Double.init))
        out.close()
    }
}

/// The alert's nested objects.
extension JSONWriter {
    mutating func sample(_ sample: TemplateSample) {
        open()
        field("service", sample.service)
        field("template_id", sample.templateID)
        field("template", sample.template)
        field("count", Double(sample.count))
        field("example", sample.example)
        field("first_seen", Alert.rfc3339(seconds: sample.firstSeen))
        field("severity", Double(sample.severity))
        close()
    }

    mutating func metrics(_ metrics: ScopeMetrics) {
        open()
        field("error_rate", metrics.errorRate)
        field("volume", metrics.volume)
        field("service_count", metrics.serviceCount)
        close()
    }
}
