import Analyze
import Detect
import Testing

/// Alerts that carry the miner's templates: the prompt and the offline summary use them (with
/// their window counts, services and examples) instead of re-grouping the raw samples.
@Suite struct TemplateEvidenceTests {
    let timeout = TemplateSample(
        service: "payments", templateID: "00000000000000a1", template: "Database connection timeout after <*> (pool <*>)",
        count: 412, example: "Database connection timeout after 3012 ms (pool 20/20)", firstSeen: 1_705_280_100, severity: 3)
    let served = TemplateSample(
        service: "payments", templateID: "00000000000000b2", template: "request served in <*>", count: 900,
        example: "request served in 12 ms", firstSeen: 1_705_270_000, severity: 6)

    func alert(category: AnomalyCategory = .errorSpike) -> Alert {
        var alert = paymentsAlert()
        alert.category = category
        if category == .newPattern {
            alert.anomalies[0].category = .newPattern
            alert.anomalies[0].pattern = timeout
        }
        alert.samples = [served, timeout]  // errors go first whatever the order given
        return alert
    }

    @Test func shapesComeFromTheTemplatesErrorsFirst() {
        let shapes = MessageShapes(alert: alert())
        #expect(shapes.shapes.map(\.text) == [timeout.template, served.template])
        #expect(shapes.shapes.map(\.count) == [412, 900])
        #expect(shapes.errors.map(\.service) == ["payments"])
        #expect(shapes.total == 1312)
    }

    @Test func promptShowsTemplatesWithCountsServicesAndExamples() {
        let text = AnalysisPrompt().userMessage(for: alert())
        #expect(text.contains("\"shape\" : \"Database connection timeout after <*> (pool <*>)\""))
        #expect(text.contains("\"count\" : 412"))
        #expect(text.contains("\"example\" : \"Database connection timeout after 3012 ms (pool 20/20)\""))
        #expect(text.contains("\"level\" : \"error\""))
        #expect(text.contains("\"service\" : \"payments\""))
        // The raw sample messages are not repeated beside the templates.
        #expect(!text.contains("order=81723"))
    }

    @Test func offlineSummaryNamesTheDominantErrorTemplateAndOnset() {
        let spike = OfflineAnalyzer().analysis(of: alert()).rootCause ?? ""
        #expect(spike.contains("Dominant errors (412 in the window): \"Database connection timeout after <*> (pool <*>)\" ×412 in payments."))
        #expect(!spike.contains("request served"))
        #expect(spike.contains("Its dominant error template was first seen at 2024-01-15T00:55:00.000000Z."))
        var older = alert()
        older.samples.append(TemplateSample(
            service: "payments", templateID: "00000000000000c3", template: "upstream reset by peer <*>", count: 7,
            example: "upstream reset by peer 10.0.0.1", firstSeen: 1_705_200_000, severity: 3))
        // The dominant template's first sighting, not the oldest one's.
        #expect((OfflineAnalyzer().analysis(of: older).rootCause ?? "").contains("first seen at 2024-01-15T00:55:00.000000Z"))
        let pattern = OfflineAnalyzer().analysis(of: alert(category: .newPattern)).rootCause ?? ""
        #expect(pattern.contains("The new template first appeared at 2024-01-15T00:55:00.000000Z."))
    }
}
