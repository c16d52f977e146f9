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
        var detector = Detector()
        for second in Int64(0)..<600 {
            _ = detector.record(service: "api", severity: 6, atNanoseconds: (epochOfTests + second) * 1_000_000_000)
        }
        // A year later: must return promptly and learn no more than a couple of windows of silence.
        let yearLater = (epochOfTests + 365 * 86_400) * 1_000_000_000
        _ = detector.record(service: "api", severity: 6, atNanoseconds: yearLater)
        #expect((detector.baselines[.overall]?.windowsObserved ?? 0) <= 5)
        #expect(detector.lastCompletedWindowEnd == epochOfTests + 365 * 86_400)
    }

    @Test func watchingStartsAtTheFirstMessagesTickAndOlderMessagesDoNotMoveIt() {
        var detector = Detector()
        _ = detector.record(service: "api", severity: 6, atNanoseconds: (epochOfTests + 25) * 1_000_000_000)
        _ = detector.record(service: "api", severity: 3, atNanoseconds: (epochOfTests + 5) * 1_000_000_000)
        _ = detector.advance(toNanoseconds: (epochOfTests + 300) * 1_000_000_000)
        #expect(detector.baselines[.overall] == nil)  // the first window began before watching did
        _ = detector.advance(toNanoseconds: (epochOfTests + 301) * 1_000_000_000)
        #expect(detector.observedSince == epochOfTests + 20)
    }
}
