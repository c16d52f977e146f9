import Testing
@testable import Detect

/// Drives a detector the way `vigil serve` does: whole ticks through the seam, then a judgement at
/// each boundary. `counts(tick)` gives each service's counts in that tick.
struct TickFeed {
    var detector: Detector
    var outputs: [(at: Int64, output: DetectionOutput)] = []

    init(_ detector: Detector = Detector(configuration: .tenSecondTicks, observingSince: epochOfTests)) {
        self.detector = detector
    }

    /// Ticks `ticks` (relative to the test epoch, 10 s each), each observed and judged.
    mutating func run(_ ticks: ClosedRange<Int64>, _ counts: (Int64) -> [String: SeverityCounts]) {
        let tickSeconds = detector.configuration.tickSeconds
        for relative in ticks {
            let tick = epochOfTests / tickSeconds + relative
            detector.observe(tick: tick, counts: counts(relative).map { (service: $0.key, counts: $0.value) })
            let now = (tick + 1) * tickSeconds
            outputs.append((now, detector.evaluate(at: now)))
        }
    }

    var alerts: [Alert] { outputs.flatMap(\.output.alerts) }
    var resolutions: [AlertResolution] { outputs.flatMap(\.output.resolutions) }
}

/// Five services at `perTick` messages per tick (10: 1 msg/s), one error in 100; `spiking`
/// services at `rate` errors instead.
func steady(_ tick: Int64, spiking: Set<String> = [], rate: Double = 0.3, perTick: Int = 10) -> [String: SeverityCounts] {
    var result: [String: SeverityCounts] = [:]
    for (index, service) in ["a", "b", "c", "d", "e"].enumerated() {
        let usual = (0..<perTick).filter { (Int(tick) * perTick + $0 + index * 37) % 100 == 0 }.count
        let errors = spiking.contains(service) ? Int((Double(perTick) * rate).rounded()) : usual
        result[service] = counts(total: perTick, errors: errors)
    }
    return result
}

@Suite struct DetectorTests {
    @Test func nothingFiresBeforeABaselineExists() {
        var feed = TickFeed(Detector(configuration: .tenSecondTicks))
        // Spiking from the start: nothing to compare with, and once learned the spike *is* the baseline.
        feed.run(0...60) { steady($0, spiking: ["a"]) }
        #expect(feed.alerts.isEmpty)
        #expect(feed.detector.baseline(.overall, window: 300)?.windowsObserved == 1)
        #expect(feed.detector.baseline(.overall, window: 60)?.windowsObserved == 9)
    }

    @Test func eachWindowSizeLearnsOncePerCompletedWindowOfItsSize() {
        var feed = TickFeed()
        feed.run(0...89) { steady($0) }
        // 900 s watched: three 300-s windows, fifteen 60-s windows.
        #expect(feed.detector.baseline(.overall, window: 300)?.windowsObserved == 3)
        #expect(feed.detector.baseline(.overall, window: 300)?.lastWindowEnd == epochOfTests + 900)
        #expect(feed.detector.baseline(.overall, window: 60)?.windowsObserved == 15)
        #expect(feed.detector.baseline(.service("c"), window: 300)?.volume == 300)
        #expect(feed.detector.baseline(.service("c"), window: 60)?.volume == 60)
        #expect(feed.detector.baselines.count == 12)  // 6 scopes × 2 sizes
    }

    @Test func aSharpBurstFiresOnTheShortWindowWithinTwoTicks() throws {
        var feed = TickFeed()
        feed.run(0...179) { steady($0, perTick: 50) }
        #expect(feed.alerts.isEmpty)
        // 30 % errors in "a" (5 msg/s) from tick 180 (the 1,800th second).
        feed.run(180...185) { steady($0, spiking: $0 >= 180 ? ["a"] : [], perTick: 50) }
        let alert = try #require(feed.alerts.first)
        #expect(alert.category == .errorSpike)
        #expect(alert.scope == .service("a"))
        #expect(alert.windowSeconds == 60)
        #expect(alert.detectedAt <= epochOfTests + 1800 + 20)
        #expect(alert.affectedServices == ["a"])
        // One alert for the one failing service: the overall spike it causes is folded in.
        #expect(feed.alerts.count == 1)
        #expect(alert.incidentID == nil && alert.resolvedAt == nil)
    }

    @Test func atOneMessageASecondTheSameBurstNeedsAnotherTick() throws {
        // 1 msg/s in ticks of 10 s: the first tick's three errors are under min_errors (6); six
        // errors of 20 messages (Poisson 7e-8 at 1 %) are not improbable enough for six spans
        // (2e-7 / 6); nine of 30 are.
        var feed = TickFeed()
        feed.run(0...179) { steady($0) }
        feed.run(180...185) { steady($0, spiking: $0 >= 180 ? ["a"] : []) }
        let alert = try #require(feed.alerts.first)
        #expect(alert.scope == .service("a") && alert.windowSeconds == 60)
        #expect(alert.detectedAt == epochOfTests + 1800 + 30)
    }

    @Test func theCooldownIsPerServiceAndCategory() {
        var feed = TickFeed()
        feed.run(0...179) { steady($0, perTick: 50) }
        // a fails for 3 min at 1800 s; b fails 5 min later; a again 10 min after its first.
        feed.run(180...300) { tick in
            var failing: Set<String> = []
            if (180..<198).contains(tick) || (240..<258).contains(tick) { failing.insert("a") }
            if (210..<228).contains(tick) { failing.insert("b") }
            return steady(tick, spiking: failing, perTick: 50)
        }
        let spikes = feed.alerts.filter { $0.category == .errorSpike }
        #expect(spikes.map(\.scope) == [.service("a"), .service("b")], "\(spikes.map { ($0.scope, $0.detectedAt - epochOfTests) })")
        #expect(spikes.last.map { $0.detectedAt - epochOfTests }.map { (2100...2120).contains($0) } == true)
    }

    @Test func anAlertIsResolvedAfterItsRuleStopsMatchingOnEveryWindow() throws {
        var feed = TickFeed()
        feed.run(0...179) { steady($0) }
        feed.run(180...260) { steady($0, spiking: (180..<198).contains($0) ? ["a"] : []) }
        let alert = try #require(feed.alerts.first)
        let resolution = try #require(feed.resolutions.first { $0.key == alert.key })
        // The burst ended at 1980 s; the 300-s window holds it until about 2280 s.
        #expect(resolution.resolvedAt > epochOfTests + 1980)
        #expect(resolution.resolvedAt < epochOfTests + 2400)
        // Three ticks in a row without a match on any window: the ticks before were quiet.
        let matchedUntil = resolution.resolvedAt - 3 * 10
        #expect(feed.outputs.filter { $0.at > matchedUntil && $0.at < resolution.resolvedAt }.allSatisfy { $0.output.resolutions.isEmpty })
        #expect(!feed.detector.conditions.isActive(alert.key))
    }

    @Test func aServiceMustSendEnoughErrorsForASpike() {
        var feed = TickFeed()
        feed.run(0...179) { steady($0) }
        // Five errors at once in "e" (50 % in that tick; with its usual one, 10 % over 60 s): under min_errors (6).
        feed.run(180...200) { tick in
            var result = steady(tick)
            if tick == 180 { result["e"] = counts(total: 10, errors: 5) }
            return result
        }
        #expect(feed.alerts.isEmpty, "\(feed.alerts.map(\.description))")
    }

    @Test func unresolvedKeysFromTheStoreAreResolvedOnlyOnceEveryWindowIsJudged() {
        var detector = Detector(configuration: .tenSecondTicks)
        detector.trackUnresolved([AlertKey(.errorSpike, .service("a"))])
        var feed = TickFeed(detector)
        feed.run(0...29) { steady($0) }
        // Until a whole 300-s window is watched nothing can say the rule stopped matching.
        #expect(feed.resolutions.isEmpty)
        feed.run(30...40) { steady($0) }
        #expect(feed.resolutions.map(\.key) == [AlertKey(.errorSpike, .service("a"))])
    }
}

@Suite struct ServiceChangeDetectionTests {
    @Test func threeServicesVanishingAreOneServiceChange() throws {
        var feed = TickFeed()
        feed.run(0...179) { steady($0) }
        feed.run(180...240) { tick in steady(tick).filter { tick < 180 || !["c", "d", "e"].contains($0.key) } }
        let change = try #require(feed.alerts.first { $0.category == .serviceChange })
        #expect(change.anomalies.flatMap(\.vanishedServices).sorted() == ["c", "d", "e"])
        #expect(change.detectedAt - epochOfTests <= 1800 + 70)
        #expect(change.severity == .medium)
    }

    @Test func servicesSendingAFewLinesDoNotCount() {
        var feed = TickFeed()
        feed.run(0...179) { steady($0) }
        // Four new services with two lines each: a login's worth, not a deployment.
        feed.run(180...200) { tick in
            var result = steady(tick)
            if tick == 180 { for name in ["x", "y", "z", "w"] { result[name] = counts(total: 2, errors: 0) } }
            return result
        }
        #expect(feed.alerts.isEmpty)
    }
}
