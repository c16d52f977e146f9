import Testing

@testable import Detect

@Suite("Templates in detection")
struct TemplateTests {
    let configuration = DetectionConfiguration(windows: [60], tickSeconds: 10, cooldownSeconds: 0)

    @Test("per-tick counts stay within the window and forget older ticks")
    func tickCounts() {
        var counts = TickCounts(bucketCount: 3, tick: 100)
        counts.add(at: 100)
        counts.add(at: 101)
        counts.add(at: 101)
        #expect(counts.trailingWindow(endingAt: 101) == 3)
        counts.add(at: 103)  // tick 100 leaves the 3-tick window
        #expect(counts.trailingWindow(endingAt: 103) == 3)
        #expect(counts.trailingWindow(endingAt: 102) == 2)
        counts.add(at: 99)  // too old for the window ending at 103: ignored
        #expect(counts.trailingWindow(endingAt: 103) == 3)
        counts.add(at: 200)
        #expect(counts.trailingWindow(endingAt: 200) == 1)
    }

    @Test("a template is novel in its first window, error level only, and again after a long silence")
    func novelty() {
        var tracker = TemplateTracker(configuration: .init(tickSeconds: 10, bucketsPerWindow: 6, rediscoverySeconds: 3600))
        for i in 0..<4 {
            tracker.record(service: "db", message: "connection \(i) lost to 10.0.0.\(i)", severity: 3, atSeconds: 1000 + Int64(i))
            tracker.record(service: "db", message: "checkpoint wrote \(i) buffers", severity: 6, atSeconds: 1000 + Int64(i))
        }
        var window = tracker.window(endingAtTick: 100)
        #expect(window.novel.count == 1)
        #expect(window.novel.first?.sample.count == 4)
        #expect(window.novel.first?.since == 1000)
        #expect(window.novel.first?.sample.template.contains("<*>") == true)
        // Errors first in the service's top templates.
        #expect(window.top["db"]?.map(\.severity) == [3, 6])

        // One window later the episode is over.
        tracker.record(service: "db", message: "connection 9 lost to 10.0.0.9", severity: 3, atSeconds: 1070)
        window = tracker.window(endingAtTick: 107)
        #expect(window.novel.isEmpty)
        #expect(window.top["db"]?.first?.count == 1)

        // Back after more than the rediscovery period: novel again.
        tracker.record(service: "db", message: "connection 7 lost to 10.0.0.7", severity: 3, atSeconds: 1070 + 3600)
        window = tracker.window(endingAtTick: 467)
        #expect(window.novel.map(\.since) == [4670])
    }

    @Test("pruning forgets evicted templates not seen since, and keeps the miner's own")
    func pruningFollowsTheMinersCap() {
        var tracker = TemplateTracker(configuration: .init(tickSeconds: 10, bucketsPerWindow: 6, maximumTemplatesPerService: 2))
        let kinds = ["disk full on volume", "cache warmed in", "user logged out after", "queue drained by worker", "lease renewed for node"]
        for (offset, kind) in kinds.enumerated() {
            tracker.record(service: "api", message: "\(kind) \(offset) now", severity: 6, atSeconds: 1000 + Int64(offset))
        }
        // The miner keeps two; the bookkeeping of the three it evicted stays until pruned.
        #expect(tracker.templateCount == kinds.count)
        tracker.prune(notSeenSince: 1003)
        // Evicted and silent since before 1003: forgotten. The two the miner keeps stay.
        #expect(tracker.templateCount == 2)
        #expect(tracker.persistentTemplates.count == 2)
    }

    @Test("restored templates keep their ids and are not novel")
    func restore() {
        var first = TemplateTracker(configuration: .init(tickSeconds: 10, bucketsPerWindow: 6))
        first.record(service: "api", message: "timeout after 5000 ms", severity: 3, atSeconds: 500)
        let saved = first.persistentTemplates
        #expect(saved.count == 1)
        #expect(saved.first?.firstSeen == 500)

        var second = TemplateTracker(configuration: .init(tickSeconds: 10, bucketsPerWindow: 6))
        second.restore(saved)
        second.record(service: "api", message: "timeout after 7000 ms", severity: 3, atSeconds: 9000)
        let window = second.window(endingAtTick: 900)
        #expect(window.novel.isEmpty)
        #expect(window.top["api"]?.first?.templateID == first.window(endingAtTick: 50).top["api"]?.first?.templateID)
        #expect(window.top["api"]?.first?.firstSeen == 500)
        #expect(second.persistentTemplates.first?.id == saved.first?.id)
    }

    @Test("new_pattern needs the minimum count, error level, and a detector that watched a whole window first")
    func rule() {
        let sample = TemplateSample(
            service: "db", templateID: "00000000000000ab", template: "disk <*> full", count: 5, example: "disk sda1 full",
            firstSeen: 1000, severity: 3)
        let stats = WindowStats(services: ["db": counts(total: 100, errors: 5)])
        func anomalies(_ sample: TemplateSample, since: Int64, observedSince: Int64 = 0) -> [Anomaly] {
            Rules.newPatterns(
                TemplateWindow(novel: [NovelTemplate(sample: sample, since: since)]), stats: stats, baselines: [:],
                observedSince: observedSince, configuration: configuration)
        }
        let fired = anomalies(sample, since: 1000)
        #expect(fired.count == 1)
        #expect(fired.first?.category == .newPattern)
        #expect(fired.first?.affectedServices == ["db"])
        #expect(fired.first?.pattern == sample)
        #expect(fired.first?.severity == .medium)
        #expect(fired.first?.description.contains("disk <*> full") == true)

        var fewer = sample
        fewer.count = 4
        #expect(anomalies(fewer, since: 1000).isEmpty)
        // Seen during the detector's first window: part of what it is learning, not new.
        #expect(anomalies(sample, since: 1000, observedSince: 990).isEmpty)
        // … nor during its first min_baseline_windows (3) windows.
        #expect(anomalies(sample, since: 1000, observedSince: 821).isEmpty)
        #expect(anomalies(sample, since: 1000, observedSince: 820).count == 1)
        var critical = sample
        critical.severity = 2
        #expect(anomalies(critical, since: 1000).first?.severity == .high)
    }

    /// 20 minutes of a steady service; from minute 15 a new error message, every 10 s.
    func replay(newErrorSeverity: Int = 3, newFromSecond: Int = 900) -> [Alert] {
        var detector = Detector(configuration: DetectionConfiguration(windows: [60, 300], tickSeconds: 10))
        var alerts: [Alert] = []
        func record(_ service: String, _ severity: Int, _ second: Int, _ text: String) {
            var bytes = text
            bytes.withUTF8 { bytes in
                alerts += detector.record(
                    service: service, severity: severity, atNanoseconds: (epochOfTests + Int64(second)) * 1_000_000_000,
                    text: severity <= 3 ? text : nil, message: UnsafeRawBufferPointer(bytes)
                ).alerts
            }
        }
        for second in 0..<1200 {
            record("web", 6, second, "GET /item/\(second % 97) 200 \(second % 13)ms")
            if second % 30 == 0 { record("web", 3, second, "upstream 10.1.2.\(second % 7) timed out") }
            if second >= newFromSecond, second % 10 == 0 {
                record("db", newErrorSeverity, second, "could not extend file base/\(second): No space left on device")
            }
            if second % 5 == 0 { record("db", 6, second, "checkpoint wrote \(second) buffers") }
        }
        alerts += detector.advance(toNanoseconds: (epochOfTests + 1210) * 1_000_000_000).alerts
        return alerts
    }

    @Test("a replay where a service starts logging a new error gets one new_pattern alert naming it")
    func replayNewPattern() {
        let alerts = replay()
        let patterns = alerts.filter { $0.category == .newPattern }
        #expect(patterns.count == 1)
        let alert = try! #require(patterns.first)
        #expect(alert.affectedServices == ["db"])
        #expect(alert.scope == .service("db") && alert.windowSeconds == 300)
        #expect(alert.description.contains("No space left on device"))
        // It fires once the template reached the minimum count: the 5th occurrence, at +940 s.
        #expect(alert.detectedAt == epochOfTests + 950)
        #expect(alert.samples.first?.template.contains("No space left on device") == true)
        #expect(alert.samples.first?.count == 5)
        #expect(alert.samples.first?.firstSeen == epochOfTests + 900)
        #expect(alert.samples.contains { $0.template.contains("checkpoint") })
        // The JSON names the template and its count.
        #expect(alert.json.contains("\"template_id\":\"\(alert.samples[0].templateID)\""))
        #expect(alert.json.contains("\"count\":5"))
        // The long-standing web error is no new pattern.
        #expect(!alerts.contains { $0.category == .newPattern && $0.affectedServices.contains("web") })
        // Deterministic.
        #expect(replay().map(\.json) == alerts.map(\.json))
    }

    @Test("a new template at info level, or one seen in the first window, is no new_pattern")
    func noNewPattern() {
        #expect(!replay(newErrorSeverity: 6).contains { $0.category == .newPattern })
        #expect(!replay(newFromSecond: 0).contains { $0.category == .newPattern })
    }
}
