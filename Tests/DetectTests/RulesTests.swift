import Testing
@testable import Detect

@Suite struct ErrorSpikeRuleTests {
    let configuration = DetectionConfiguration()

    func spike(rate errors: Int, of total: Int = 1000, baselineRate: Double, windows: Int = 1) -> Anomaly? {
        let stats = WindowStats(services: ["api": counts(total: total, errors: errors)])
        return Rules.errorSpike(stats, scope: .overall, baseline: baseline(errorRate: baselineRate, windows: windows), configuration: configuration)
    }

    @Test(arguments: [
        // (errors of 1000, baseline rate, fires)
        (50, 0.001, false),  // exactly 5 %: the floor is strict
        (51, 0.001, true),  // just above the floor, far above 5 × baseline
        (100, 0.02, false),  // 10 % = exactly 5 × 2 %: strict
        (101, 0.02, true),
        (40, 0.0, false),  // zero baseline but under the floor
        (60, 0.0, true),  // zero baseline: the floor alone decides
        (300, 0.1, false),  // 30 % is only 3 × a 10 % baseline
    ])
    func firesAboveBothTheMultipleAndTheFloor(errors: Int, baselineRate: Double, fires: Bool) {
        #expect((spike(rate: errors, baselineRate: baselineRate) != nil) == fires)
    }

    @Test func severityIsHighOnlyStrictlyAboveTwentyPercent() {
        #expect(spike(rate: 200, baselineRate: 0.01)?.severity == .medium)
        #expect(spike(rate: 201, baselineRate: 0.01)?.severity == .high)
        #expect(spike(rate: 199, baselineRate: 0.01)?.severity == .medium)
    }

    @Test func multiplierIsRateOverBaseline() throws {
        let anomaly = try #require(spike(rate: 300, baselineRate: 0.01))
        #expect(abs(try #require(anomaly.multiplier) - 30) < 1e-9)
        #expect(anomaly.current.errorRate == 0.3)
        #expect(anomaly.baseline.errorRate == 0.01)
    }

    @Test func zeroBaselineReportsTheCap() throws {
        let anomaly = try #require(spike(rate: 60, baselineRate: 0))
        #expect(anomaly.multiplier == configuration.multiplierCap)
    }

    @Test func noBaselineWindowsMeansNoJudgement() {
        #expect(spike(rate: 900, baselineRate: 0.01, windows: 0) == nil)
        var strict = configuration
        strict.minimumWindows = 3
        let stats = WindowStats(services: ["api": counts(total: 1000, errors: 900)])
        #expect(Rules.errorSpike(stats, scope: .overall, baseline: baseline(windows: 2), configuration: strict) == nil)
        #expect(Rules.errorSpike(stats, scope: .overall, baseline: baseline(windows: 3), configuration: strict) != nil)
    }

    @Test func tooFewErrorsAreNotJudged() {
        // 5 of 10 is 50 %, but five errors are not evidence of a spike (min_errors 6).
        #expect(spike(rate: 5, of: 10, baselineRate: 0.01) == nil)
        #expect(spike(rate: 6, of: 10, baselineRate: 0.01) != nil)
        var lenient = configuration
        lenient.minimumErrors = 2
        lenient.errorSpikeSignificance = 1
        let stats = WindowStats(services: ["api": counts(total: 10, errors: 2)])
        #expect(Rules.errorSpike(stats, scope: .overall, baseline: baseline(errorRate: 0.01), configuration: lenient) != nil)
    }

    @Test func theAnomalySaysWhichWindowItJudged() throws {
        let stats = WindowStats(services: ["api": counts(total: 100, errors: 30)])
        var short = baseline(errorRate: 0.01)
        short.windowSeconds = 60
        let anomaly = try #require(Rules.errorSpike(stats, scope: .overall, baseline: short, configuration: configuration))
        #expect(anomaly.windowSeconds == 60)
        #expect(anomaly.description.contains("over the last 60 s"))
    }

    @Test func overallSpikeNamesTheServicesAboveTheFloor() throws {
        let stats = WindowStats(services: [
            "api": counts(total: 300, errors: 3),
            "db": counts(total: 300, errors: 150),
            "web": counts(total: 300, errors: 30),
            "auth": counts(total: 300, errors: 0),
        ])
        let anomaly = try #require(Rules.errorSpike(stats, scope: .overall, baseline: baseline(), configuration: configuration))
        #expect(anomaly.affectedServices == ["db", "web"])
        #expect(anomaly.description.contains("db"))
    }

    @Test func serviceSpikeNamesItsService() throws {
        let stats = WindowStats(services: ["api": counts(total: 300, errors: 90), "db": counts(total: 300, errors: 3)])
        let anomaly = try #require(
            Rules.errorSpike(stats, scope: .service("api"), baseline: baseline(.service("api"), volume: 300), configuration: configuration)
        )
        #expect(anomaly.affectedServices == ["api"])
        #expect(anomaly.scope == .service("api"))
        #expect(Rules.errorSpike(stats, scope: .service("db"), baseline: baseline(.service("db")), configuration: configuration) == nil)
    }
}

@Suite struct VolumeSpikeRuleTests {
    let configuration = DetectionConfiguration()

    @Test(arguments: [(3000, false), (3001, true), (500, false)])
    func firesAboveThreeTimesTheBaseline(volume: Int, fires: Bool) {
        let stats = WindowStats(services: ["api": counts(total: volume, errors: 0)])
        let anomaly = Rules.volumeSpike(stats, scope: .overall, baseline: baseline(volume: 1000, windows: 3), configuration: configuration)
        #expect((anomaly != nil) == fires)
        if let anomaly { #expect(abs((anomaly.multiplier ?? 0) - Double(volume) / 1000) < 1e-9) }
    }

    @Test func perServiceNamesTheService() throws {
        let stats = WindowStats(services: ["api": counts(total: 6000, errors: 0), "db": counts(total: 300, errors: 0)])
        let anomaly = try #require(
            Rules.volumeSpike(
                stats, scope: .service("api"), baseline: baseline(.service("api"), volume: 300, windows: 3), configuration: configuration)
        )
        #expect(anomaly.affectedServices == ["api"])
        #expect(anomaly.severity == .medium)
    }

    @Test func aRatioAgainstAlmostNothingIsNotEvidence() {
        // A quiet host's burst: 90 lines against a baseline of 0.2 is 450×, but under min_volume (200).
        let burst = WindowStats(services: ["sshd": counts(total: 90, errors: 0)])
        #expect(Rules.volumeSpike(burst, scope: .overall, baseline: baseline(volume: 0.2, windows: 50), configuration: configuration) == nil)
        let flood = WindowStats(services: ["sshd": counts(total: 200, errors: 0)])
        #expect(Rules.volumeSpike(flood, scope: .overall, baseline: baseline(volume: 0.2, windows: 50), configuration: configuration) != nil)
        // Nor is a baseline of fewer than min_baseline_windows (3) windows.
        #expect(Rules.volumeSpike(flood, scope: .overall, baseline: baseline(volume: 0.2, windows: 2), configuration: configuration) == nil)
    }
}

@Suite struct ServiceChangeRuleTests {
    let configuration = DetectionConfiguration()

    func stats(_ names: [String], messages: Int = 100) -> WindowStats {
        WindowStats(services: Dictionary(uniqueKeysWithValues: names.map { ($0, counts(total: messages, errors: 1)) }), serviceMinimum: 5)
    }

    /// Baselines of the overall scope (`services` active usually) and of each usual service.
    func baselines(usual: [String], volume: Double = 100) -> [Scope: Baseline] {
        var result: [Scope: Baseline] = [.overall: baseline(serviceCount: Double(usual.count), windows: 3)]
        for name in usual { result[.service(name)] = baseline(.service(name), volume: volume, serviceCount: 1, windows: 3) }
        return result
    }

    func change(_ now: WindowStats, usual: [String], volume: Double = 100) -> Anomaly? {
        let known = baselines(usual: usual, volume: volume)
        return Rules.serviceChange(now, baseline: known[.overall]!, serviceBaselines: known, configuration: configuration)
    }

    @Test func namesTheServicesThatAppeared() throws {
        let anomaly = try #require(change(stats(["a", "b", "c", "d", "e", "x", "y", "z"]), usual: ["a", "b", "c", "d", "e"]))
        #expect(anomaly.appearedServices == ["x", "y", "z"])
        #expect(anomaly.vanishedServices.isEmpty)
        #expect(anomaly.affectedServices == ["x", "y", "z"])
        #expect(anomaly.severity == .low)
        #expect(anomaly.multiplier == nil)
    }

    @Test func namesTheServicesThatVanished() throws {
        var now = stats(["a", "b"])
        for name in ["c", "d", "e"] { now.services[name] = SeverityCounts() }  // known, silent in this window
        let anomaly = try #require(change(now, usual: ["a", "b", "c", "d", "e"]))
        #expect(anomaly.vanishedServices == ["c", "d", "e"])
        #expect(anomaly.appearedServices.isEmpty)
        #expect(anomaly.severity == .medium)
    }

    @Test func aDifferenceOfTwoIsNotAChange() {
        #expect(change(stats(["a", "b", "c", "d", "e", "x", "y"]), usual: ["a", "b", "c", "d", "e"]) == nil)
    }

    @Test func servicesWithAFewMessagesDoNotCount() {
        // Three new services with four lines each (min_service_messages is 5).
        var now = stats(["a", "b", "c", "d", "e"])
        for name in ["x", "y", "z"] { now.services[name] = counts(total: 4, errors: 0) }
        #expect(change(now, usual: ["a", "b", "c", "d", "e"]) == nil)
    }

    @Test func aServiceThatUsuallySendsLittleDoesNotVanish() {
        // Three usual services of 2 messages per window falling silent: below the minimum usually.
        var now = stats(["a", "b"])
        for name in ["c", "d", "e"] { now.services[name] = SeverityCounts() }
        var known = baselines(usual: ["a", "b"])
        for name in ["c", "d", "e"] { known[.service(name)] = baseline(.service(name), volume: 2, serviceCount: 1, windows: 3) }
        known[.overall] = baseline(serviceCount: 5, windows: 3)
        #expect(Rules.serviceChange(now, baseline: known[.overall]!, serviceBaselines: known, configuration: configuration) == nil)
    }

    @Test func theCountMustAlsoDifferFromItsBaseline() {
        // Three services replaced by three others: as many active as usual.
        var now = stats(["a", "b", "x", "y", "z"])
        for name in ["c", "d", "e"] { now.services[name] = SeverityCounts() }
        #expect(change(now, usual: ["a", "b", "c", "d", "e"]) == nil)
    }
}
