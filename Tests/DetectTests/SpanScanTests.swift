import Testing
@testable import Detect

/// The error spike's span scan: the last 1, 2, … k ticks of the shortest window, each judged
/// against the usual rate for its own messages, at significance / k.
@Suite struct SpanScanTests {
    let configuration = DetectionConfiguration(windows: [60], tickSeconds: 10, minimumErrors: 6)

    /// Six ticks of 10 messages (1 msg/s), no errors, except the last `burst` ticks at `errors` each.
    func ticks(burst: Int, errors: Int) -> [SeverityCounts] {
        (0..<6).map { $0 >= 6 - burst ? counts(total: 10, errors: errors) : counts(total: 10, errors: 0) }
    }

    func window(_ ticks: [SeverityCounts]) -> WindowStats {
        var sum = SeverityCounts()
        for tick in ticks { sum.add(tick) }
        return WindowStats(services: ["api": sum])
    }

    func shortBaseline() -> Baseline {
        Baseline(scope: .service("api"), windowSeconds: 60, errorRate: 0.01, volume: 60, serviceCount: 1, windowsObserved: 5)
    }

    @Test func aBurstInTheLastTicksIsSeenBeforeItOutweighsTheWholeWindow() throws {
        // 7 errors in the last 10 s: diluted over 60 s (11.7 %, Poisson 3e-6 at 1 %) not evidence
        // at 2e-7; as a 10-s span (70 %, 2e-11) it is.
        let recent = ticks(burst: 1, errors: 7)
        let stats = window(recent)
        #expect(Rules.errorSpike(stats, scope: .service("api"), baseline: shortBaseline(), configuration: configuration) == nil)
        let anomaly = try #require(
            Rules.errorSpike(stats, scope: .service("api"), baseline: shortBaseline(), configuration: configuration) { _ in recent })
        #expect(anomaly.windowSeconds == 60)
        #expect(anomaly.current.errorRate == 0.7 && anomaly.current.volume == 10)
        #expect(anomaly.description.contains("over the last 10 s"), "\(anomaly.description)")
        #expect(anomaly.severity == .high)
    }

    @Test func eachSpanMustBeAsManyTimesAsImprobableAsThereAreSpans() throws {
        // The last tick alone: 6 errors of 10. Its chance at 1 % (mean 0.1) is p; at a significance
        // of 3p it is evidence as one test, but not as one of six (3p / 6).
        let recent = ticks(burst: 1, errors: 6)
        let p = Rules.poissonTail(atLeast: 6, mean: 0.1)
        var loose = configuration
        loose.errorSpikeSignificance = 3 * p
        let single = WindowStats(services: ["api": counts(total: 10, errors: 6)])
        #expect(Rules.errorSpike(single, scope: .service("api"), baseline: shortBaseline(), configuration: loose) != nil)
        #expect(Rules.errorSpike(window(recent), scope: .service("api"), baseline: shortBaseline(), configuration: loose) { _ in recent } == nil)
        loose.errorSpikeSignificance = 6 * p
        #expect(Rules.errorSpike(window(recent), scope: .service("api"), baseline: shortBaseline(), configuration: loose) { _ in recent } != nil)
    }

    @Test func aSustainedBurstReportsTheMostImprobableSpan() throws {
        // 30 % for the whole window: the whole window is the strongest evidence.
        let recent = ticks(burst: 6, errors: 3)
        let anomaly = try #require(
            Rules.errorSpike(window(recent), scope: .service("api"), baseline: shortBaseline(), configuration: configuration) { _ in recent })
        #expect(anomaly.description.contains("over the last 60 s"), "\(anomaly.description)")
        #expect(anomaly.current.volume == 60)
    }

    @Test func spansStillNeedMinErrors() {
        // Five errors in one tick (a harmless cluster): 50 %, improbable, but under min_errors (6).
        let recent = ticks(burst: 1, errors: 5)
        #expect(Rules.errorSpike(window(recent), scope: .service("api"), baseline: shortBaseline(), configuration: configuration) { _ in recent } == nil)
    }

    @Test func aBurstAtOneMessageASecondIsAlertedWithinFifteenSeconds() throws {
        // The defaults (5-s ticks, min_errors 6, 2e-7): 1 msg/s, 30 % errors from 1800 s — two
        // errors a tick; after three ticks six errors of 15 messages (Poisson 1.4e-8 at 1 %) pass
        // 2e-7 / 12 spans. The whole 60-s window would have waited for its rate and more errors.
        var feed = TickFeed(Detector(observingSince: epochOfTests))
        feed.run(0...359) { steady($0, perTick: 5) }
        #expect(feed.alerts.isEmpty)
        feed.run(360...371) { steady($0, spiking: $0 >= 360 ? ["a"] : [], perTick: 5) }
        let alert = try #require(feed.alerts.first)
        #expect(alert.scope == .service("a") && alert.windowSeconds == 60)
        #expect(alert.detectedAt <= epochOfTests + 1800 + 15, "\(alert.detectedAt - epochOfTests): \(alert.description)")
        #expect(feed.alerts.count == 1)
    }

    @Test func theLedgerGivesAScopesTicksOldestFirst() {
        var ledger = TickLedger(bucketCount: 7, tickSeconds: 10)
        ledger.set(service: "a", counts: counts(total: 5, errors: 1), atTick: 100)
        ledger.set(service: "b", counts: counts(total: 3, errors: 3), atTick: 100)
        ledger.set(service: "a", counts: counts(total: 2, errors: 0), atTick: 102)
        #expect(ledger.tickCounts(of: .service("a"), endingAt: 102, ticks: 3).map(\.total) == [5, 0, 2])
        #expect(ledger.tickCounts(of: .overall, endingAt: 102, ticks: 3).map(\.errors) == [4, 0, 0])
        #expect(ledger.tickCounts(of: .service("z"), endingAt: 102, ticks: 2).map(\.total) == [0, 0])
    }
}

/// `min_volume` is stated per 60 s; a shorter window needs its share, at least 20.
@Suite struct MinimumVolumeTests {
    @Test(arguments: [(300, 200), (60, 200), (30, 100), (10, 34), (4, 20), (1, 20)] as [(Int64, Int)])
    func scalesDownForShortWindows(window: Int64, minimum: Int) {
        #expect(DetectionConfiguration().minimumVolume(window: window) == minimum)
    }

    @Test func aLowMinimumIsNotRaisedByTheFloor() {
        var configuration = DetectionConfiguration()
        configuration.minimumVolume = 10
        #expect(configuration.minimumVolume(window: 10) == 10)
        #expect(configuration.minimumVolume(window: 60) == 10)
    }

    @Test func aTenSecondWindowFloodIsAVolumeSpike() {
        // `--window 10`: 1 msg/s usually (10 per window), then 4×: 40 messages pass the window's
        // share of min_volume (34) where the unscaled 200 would never be reached; 33 do not.
        let configuration = DetectionConfiguration(windows: [10], tickSeconds: 1)
        let usual = Baseline(scope: .service("api"), windowSeconds: 10, volume: 10, windowsObserved: 5)
        let flood = WindowStats(services: ["api": counts(total: 40, errors: 0)])
        #expect(Rules.volumeSpike(flood, scope: .service("api"), baseline: usual, configuration: configuration) != nil)
        let small = WindowStats(services: ["api": counts(total: 33, errors: 0)])
        #expect(Rules.volumeSpike(small, scope: .service("api"), baseline: usual, configuration: configuration) == nil)
    }
}
