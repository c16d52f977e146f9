import Testing
@testable import Detect

/// A step up in volume straddling a window boundary: the window holding its first seconds must
/// not raise the baseline before the fully risen window is judged.
@Suite struct RisingVolumeTests {
    /// One 10-s window judged every 1-s tick, as `vigil serve --window 10 --tick 1` does.
    let configuration = DetectionConfiguration(windows: [10], tickSeconds: 1)

    func one(_ perTick: Int) -> [String: SeverityCounts] { ["api": counts(total: perTick, errors: 0)] }

    @Test func aStepUpStraddlingAWindowEndIsStillAlerted() throws {
        var feed = TickFeed(Detector(configuration: configuration, observingSince: epochOfTests))
        feed.run(0...65) { _ in one(12) }  // 120 a window
        #expect(feed.alerts.isEmpty)
        // 3.5× from tick 66: the window ending at tick 70 holds 4 risen ticks (2×, under the
        // rule's 3×). Learned, it would lift the baseline to 144, and the fully risen window
        // (420) would never pass 3 × 144.
        feed.run(66...85) { _ in one(42) }
        let alert = try #require(feed.alerts.first { $0.category == .volumeSpike && $0.scope == .service("api") })
        #expect(alert.windowSeconds == 10)
        #expect(alert.baseline.volume == 120, "\(alert.description)")
    }

    @Test func aLastingRiseIsLearnedAfterTheHeldWindows() throws {
        var feed = TickFeed(Detector(configuration: configuration, observingSince: epochOfTests))
        feed.run(0...59) { _ in one(12) }
        // Twice the traffic from tick 60 on: under the rule's 3×, so no alert; held for
        // `risingWindowsHeld` windows, then learned as the new normal.
        feed.run(60...159) { _ in one(24) }
        #expect(feed.alerts.filter { $0.category == .volumeSpike }.isEmpty)
        let baseline = try #require(feed.detector.baselinesByWindow[10]?[.service("api")])
        #expect(baseline.volume > 200, "\(baseline.volume)")
    }

    @Test func smallWindowsUnderTheMinimumAreLearnedAsUsual() throws {
        var feed = TickFeed(Detector(configuration: configuration, observingSince: epochOfTests))
        feed.run(0...59) { _ in one(1) }  // 10 a window
        feed.run(60...69) { _ in one(2) }  // 20: twice, but under the 10-s window's minimum (34)
        let baseline = try #require(feed.detector.baselinesByWindow[10]?[.service("api")])
        #expect(baseline.volume > 10, "\(baseline.volume)")
    }
}
