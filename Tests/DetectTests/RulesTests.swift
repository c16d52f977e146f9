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

    @Test func tooFewMessagesAreNotJudged() {
        #expect(spike(rate: 5, of: 9, baselineRate: 0.01) == nil)
        #expect(spike(rate: 5, of: 10, baselineRate: 0.01) != nil)
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
        let anomaly = Rules.volumeSpike(stats, scope: .overall, baseline: baseline(volume: 1000), configuration: configuration)
        #expect((anomaly != nil) == fires)
        if let anomaly { #expect(abs((anomaly.multiplier ?? 0) - Double(volume) / 1000) < 1e-9) }
    }

    @Test func perServiceNamesTheService() throws {
        let stats = WindowStats(services: ["api": counts(total: 6000, errors: 0), "db": counts(total: 300, errors: 0)])
        let anomaly = try #require(
            Rules.volumeSpike(stats, scope: .service("api"), baseline: baseline(.service("api"), volume: 300), configuration: configuration)
        )
        #expect(anomaly.affectedServices == ["api"])
        #expect(anomaly.severity == .medium)
    }
}

@Suite struct ServiceChangeRuleTests {
    let configuration = DetectionConfiguration()

    func stats(_ names: [String]) -> WindowStats {
        WindowStats(services: Dictionary(uniqueKeysWithValues: names.map { ($0, counts(total: 100, errors: 1)) }))
    }

    @Test func namesTheServicesThatAppeared() throws {
        let previous: Set = ["a", "b", "c", "d", "e"]
        let now = stats(["a", "b", "c", "d", "e", "x", "y", "z"])
        let anomaly = try #require(
            Rules.serviceChange(now, baseline: baseline(serviceCount: 5), previousServices: previous, configuration: configuration)
        )
        #expect(anomaly.appearedServices == ["x", "y", "z"])
        #expect(anomaly.vanishedServices.isEmpty)
        #expect(anomaly.affectedServices == ["x", "y", "z"])
        #expect(anomaly.severity == .low)
        #expect(anomaly.multiplier == nil)
    }

    @Test func namesTheServicesThatVanished() throws {
        let previous: Set = ["a", "b", "c", "d", "e"]
        var now = stats(["a", "b"])
        now.services["c"] = SeverityCounts()  // known, silent in this window
        let anomaly = try #require(
            Rules.serviceChange(now, baseline: baseline(serviceCount: 5), previousServices: previous, configuration: configuration)
        )
        #expect(anomaly.vanishedServices == ["c", "d", "e"])
        #expect(anomaly.appearedServices.isEmpty)
        #expect(anomaly.severity == .medium)
    }

    @Test func aDifferenceOfTwoIsNotAChange() {
        let now = stats(["a", "b", "c", "d", "e", "x", "y"])
        #expect(Rules.serviceChange(now, baseline: baseline(serviceCount: 5), previousServices: [], configuration: configuration) == nil)
    }
}
