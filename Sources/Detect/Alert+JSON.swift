/// The alert as one JSON object — the shape `vigil analyze` and `vigil alerts` print and the HTTP
/// API serves (`GET /alerts/recent`, inside incidents). Written by hand so the module stays free
/// of Foundation.
extension Alert {
    public var json: String {
        var out = JSONText()
        out.open()
        out.field("anomaly_id", anomalyID)
        out.field("detected_at", detectedAtRFC3339)
        out.field("severity", severity.rawValue)
        out.field("category", category.rawValue)
        out.field("window_seconds", Double(windowSeconds))
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
        return out.text
    }
}

/// A minimal JSON writer: objects, strings, numbers, arrays of strings, null.
struct JSONText {
    private(set) var text = ""
    private var needsComma = false

    mutating func open() {
        if needsComma { text += "," }
        text += "{"
        needsComma = false
    }

    mutating func close() {
        text += "}"
        needsComma = true
    }

    mutating func key(_ name: String) {
        if needsComma { text += "," }
        text += "\"\(name)\":"
        needsComma = false
    }

    mutating func field(_ name: String, _ value: String?) {
        key(name)
        text += value.map(Self.quoted) ?? "null"
        needsComma = true
    }

    mutating func field(_ name: String, _ value: Double?) {
        key(name)
        text += value.map(Self.number) ?? "null"
        needsComma = true
    }

    mutating func field(_ name: String, _ values: [String]) {
        key(name)
        text += "[" + values.map(Self.quoted).joined(separator: ",") + "]"
        needsComma = true
    }

    /// Writes `json` (already valid JSON) as the value of the last key.
    mutating func raw(_ json: String) {
        text += json
        needsComma = true
    }

    mutating func array<Element>(_ elements: [Element], _ write: (inout JSONText, Element) -> Void) {
        if needsComma { text += "," }
        text += "["
        needsComma = false
        for element in elements { write(&self, element) }
        text += "]"
        needsComma = true
    }

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

    /// JSON has no infinity or NaN: those become null; whole numbers print without a fraction.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    static func quoted(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
