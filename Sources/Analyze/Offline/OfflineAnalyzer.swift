import Detect
import Foundation

/// The analysis Vigil can give without a model: what the detector measured, said plainly.
///
/// Deterministic — the same alert always reads the same — and it claims nothing it did not
/// see: the root cause is a summary of the evidence (which metric moved, by how much, where,
/// when, and the dominant error shapes with their counts), the impact restates the measured
/// numbers, there are no recommended actions and no confidence. Used without an API key, when
/// Claude fails, and for alerts the full queue could not wait for.
public struct OfflineAnalyzer: AlertAnalyzer {
    /// Error shapes named in the summary.
    public var maximumShapes = 3
    /// Longest shape quoted whole.
    public var maximumShapeLength = 160

    public init() {}

    public func analyze(_ alert: Alert) async -> AlertAnalysis {
        analysis(of: alert)
    }

    public func analyze(_ alert: Alert, incident: Incident?, deadline: ContinuousClock.Instant?) async -> AlertAnalysis {
        analysis(of: alert, incident: incident)
    }

    /// The summary of `alert`; when its `incident` holds other alerts, the root cause also lists
    /// them in the order they were raised (services, categories, times).
    public func analysis(of alert: Alert, incident: Incident? = nil) -> AlertAnalysis {
        AlertAnalysis(
            rootCause: rootCause(alert, incident: incident),
            impact: impact(alert),
            recommendedActions: [],
            confidence: nil,
            source: AlertAnalysis.offlineSource
        )
    }

    func rootCause(_ alert: Alert, incident: Incident? = nil) -> String {
        var sentences: [String] = []
        let services = alert.affectedServices.isEmpty ? "the overall traffic" : alert.affectedServices.joined(separator: ", ")
        sentences.append("\(alert.category.rawValue) (\(alert.severity.rawValue)) in \(services), detected at \(alert.detectedAtRFC3339).")
        let moved = Self.movements(alert)
        if !moved.isEmpty { sentences.append(moved.joined(separator: "; ") + ".") }
        let errors = MessageShapes(alert: alert).errors
        if !errors.isEmpty {
            let named = errors.prefix(maximumShapes).map { shape in
                var text = shape.text
                if text.count > maximumShapeLength { text = String(text.prefix(maximumShapeLength)) + "…" }
                return "\"\(text)\" ×\(shape.count)" + (shape.service.map { " in \($0)" } ?? "")
            }
            let more = errors.count > maximumShapes ? " and \(errors.count - maximumShapes) other shapes" : ""
            let total = errors.reduce(0) { $0 + $1.count }
            sentences.append("Dominant errors (\(total) \(alert.samples.isEmpty ? "samples" : "in the window")): "
                + named.joined(separator: ", ") + more + ".")
        } else {
            sentences.append("No error messages were sampled.")
        }
        if let onset = Self.onset(alert) { sentences.append(onset) }
        if let incident, let related = Self.related(alert, in: incident) { sentences.append(related) }
        sentences.append("Offline summary of the evidence; no model was consulted.")
        return sentences.joined(separator: " ")
    }

    /// "Part of incident inc_…, 3 alerts in the order raised: 1. error_spike (high) in payments at
    /// …; 2. this alert; …." — `nil` when the alert is alone in its incident.
    static func related(_ alert: Alert, in incident: Incident) -> String? {
        guard incident.alerts.contains(where: { $0.anomalyID != alert.anomalyID }) else { return nil }
        let items = incident.alerts.enumerated().map { index, other in
            let services = other.affectedServices.isEmpty ? "all services" : other.affectedServices.joined(separator: ", ")
            let what = other.anomalyID == alert.anomalyID ? " (this alert)" : ""
            return "\(index + 1). \(other.category.rawValue) (\(other.severity.rawValue)) in \(services) at \(other.detectedAtRFC3339)\(what)"
        }
        return "Part of incident \(incident.incidentID), \(incident.alerts.count) alerts in the order raised: "
            + items.joined(separator: "; ") + "."
    }

    /// When the evidence began: a new template's first appearance, else when the dominant error
    /// template (most occurrences in the window) was first seen.
    static func onset(_ alert: Alert) -> String? {
        if let pattern = alert.anomalies.compactMap(\.pattern).first {
            return "The new template first appeared at \(Alert.rfc3339(seconds: pattern.firstSeen))."
        }
        guard let dominant = alert.samples.filter(\.isError).max(by: { $0.count < $1.count }) else { return nil }
        return "Its dominant error template was first seen at \(Alert.rfc3339(seconds: dominant.firstSeen))."
    }

    func impact(_ alert: Alert) -> String {
        let window = alert.current
        switch alert.category {
        case .errorSpike, .newPattern:
            let errors = Int((window.errorRate * window.volume).rounded())
            return "\(errors) of \(Self.count(window.volume)) messages in the detection window were errors (\(Self.percent(window.errorRate)))"
                + " in \(Self.serviceList(alert))."
        case .volumeSpike:
            return "\(Self.count(window.volume)) messages in the detection window against \(Self.count(alert.baseline.volume)) usually"
                + " in \(Self.serviceList(alert))."
        case .serviceChange:
            let appeared = alert.anomalies.flatMap(\.appearedServices)
            let vanished = alert.anomalies.flatMap(\.vanishedServices)
            var parts: [String] = []
            if !vanished.isEmpty { parts.append("stopped logging: " + vanished.joined(separator: ", ")) }
            if !appeared.isEmpty { parts.append("started logging: " + appeared.joined(separator: ", ")) }
            return (parts.isEmpty ? "The set of logging services changed" : "Services " + parts.joined(separator: "; "))
                + " (\(Self.count(window.serviceCount)) active, \(Self.count(alert.baseline.serviceCount)) usually)."
        }
    }

    /// "payments error rate 30.2% (baseline 1.0%, 30.2×)" per anomaly, the alert's lead first.
    static func movements(_ alert: Alert) -> [String] {
        alert.anomalies.prefix(4).map { anomaly in
            let scope: String
            switch anomaly.scope {
            case .overall: scope = "overall"
            case .service(let name): scope = name
            }
            let times = anomaly.multiplier.map { ", \(oneDecimal($0))×" } ?? ""
            switch anomaly.category {
            case .errorSpike, .newPattern:
                return "\(scope) error rate \(percent(anomaly.current.errorRate)) (baseline \(percent(anomaly.baseline.errorRate))\(times))"
            case .volumeSpike:
                return "\(scope) volume \(count(anomaly.current.volume)) messages per window (baseline \(count(anomaly.baseline.volume))\(times))"
            case .serviceChange:
                return "\(scope) active services \(count(anomaly.current.serviceCount)) (baseline \(count(anomaly.baseline.serviceCount)))"
            }
        }
    }

    static func serviceList(_ alert: Alert) -> String {
        alert.affectedServices.isEmpty ? "all services" : alert.affectedServices.joined(separator: ", ")
    }

    static func percent(_ rate: Double) -> String { oneDecimal(rate * 100) + "%" }

    static func oneDecimal(_ value: Double) -> String {
        value.isFinite ? String(format: "%.1f", value) : "∞"
    }

    static func count(_ value: Double) -> String {
        value.isFinite ? String(Int64(value.rounded())) : "∞"
    }
}
