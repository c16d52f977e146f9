import Testing
@testable import Detect

@Suite struct DetectionClockTests {
    @Test func replayClockOnlyMovesForward() {
        var clock = ReplayClock(secondsSinceEpoch: 100)
        clock.advance(toNanoseconds: 99 * 1_000_000_000)
        #expect(clock.secondsSinceEpoch == 100)
        clock.advance(toNanoseconds: 101_500_000_000)
        #expect(clock.secondsSinceEpoch == 101)
        clock.advance(bySeconds: 10)
        #expect(clock.nanosecondsSinceEpoch == 111_500_000_000)
    }

    @Test func secondsRoundDownBeforeTheEpoch() {
        #expect(ReplayClock(nanosecondsSinceEpoch: -1).secondsSinceEpoch == -1)
    }

    @Test func wallClockIsAfter2024() {
        #expect(WallClock().secondsSinceEpoch > epochOfTests)
    }
}

@Suite struct ReplayTimeTests {
    @Test func aLongSilenceIsSkippedNotWalkedTickByTick() {
        var detector = Detector(configuration: .tenSecondTicks)
        for second in Int64(0)..<600 {
            _ = detector.record(service: "api", severity: 6, atNanoseconds: (epochOfTests + second) * 1_000_000_000)
        }
        // A year later: must return promptly, having learned every window of the silence.
        let yearLater = (epochOfTests + 365 * 86_400) * 1_000_000_000
        _ = detector.record(service: "api", severity: 6, atNanoseconds: yearLater)
        #expect(detector.lastCompletedWindowEnd[300] == epochOfTests + 365 * 86_400)
        #expect(detector.baseline(.overall, window: 300)?.windowsObserved == 365 * 288)
        #expect(detector.baseline(.overall, window: 60)?.windowsObserved == 365 * 1440)
        #expect((detector.baseline(.service("api"), window: 300)?.volume ?? 1) < 1e-9)
    }

    /// Skipping a silence learns exactly what walking it tick by tick learns (the live path walks).
    @Test func skippingASilenceLearnsWhatWalkingItWould() {
        var replayed = Detector(configuration: .tenSecondTicks, observingSince: epochOfTests)
        var walked = Detector(configuration: .tenSecondTicks, observingSince: epochOfTests)
        for second in Int64(0)..<900 {
            _ = replayed.record(service: "api", severity: second % 50 == 0 ? 3 : 6, atNanoseconds: (epochOfTests + second) * 1_000_000_000)
        }
        let end = epochOfTests + 4 * 3600
        _ = replayed.record(service: "api", severity: 6, atNanoseconds: end * 1_000_000_000)
        for tick in epochOfTests / 10..<end / 10 {
            let seconds = tick * 10 - epochOfTests
            var counts = SeverityCounts()
            if seconds < 900 {
                counts.add(severity: 3, count: (0..<10).filter { (seconds + $0) % 50 == 0 }.count)
                counts.add(severity: 6, count: 10 - (0..<10).filter { (seconds + $0) % 50 == 0 }.count)
            }
            walked.observe(tick: tick, counts: [(service: "api", counts: counts)])
            _ = walked.evaluate(at: (tick + 1) * 10)
        }
        for window: Int64 in [60, 300] {
            for scope in [Scope.overall, .service("api")] {
                let a = replayed.baseline(scope, window: window)
                let b = walked.baseline(scope, window: window)
                #expect(a?.windowsObserved == b?.windowsObserved)
                #expect(a?.lastWindowEnd == b?.lastWindowEnd)
                #expect(abs((a?.volume ?? -1) - (b?.volume ?? -2)) < 1e-9)
                #expect(abs((a?.errorRate ?? -1) - (b?.errorRate ?? -2)) < 1e-12)
                #expect(abs((a?.serviceCount ?? -1) - (b?.serviceCount ?? -2)) < 1e-9)
            }
        }
    }

    @Test func watchingStartsAtTheFirstMessagesTickAndOlderMessagesDoNotMoveIt() {
        var detector = Detector(configuration: .tenSecondTicks)
        _ = detector.record(service: "api", severity: 6, atNanoseconds: (epochOfTests + 25) * 1_000_000_000)
        _ = detector.record(service: "api", severity: 3, atNanoseconds: (epochOfTests + 5) * 1_000_000_000)
        _ = detector.advance(toNanoseconds: (epochOfTests + 300) * 1_000_000_000)
        #expect(detector.baseline(.overall, window: 300) == nil)  // the first window began before watching did
        _ = detector.advance(toNanoseconds: (epochOfTests + 301) * 1_000_000_000)
        #expect(detector.observedSince == epochOfTests + 20)
    }
}
