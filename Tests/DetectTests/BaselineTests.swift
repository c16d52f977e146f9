import Testing
@testable import Detect

@Suite struct BaselineTests {
    @Test func theFirstWindowInitialisesTheAverages() {
        var learned = Baseline(scope: .overall, windowSeconds: 300)
        learned.update(with: ScopeMetrics(errorRate: 0.02, volume: 1500, serviceCount: 5), alpha: 0.2, windowEnd: 300)
        #expect(learned.errorRate == 0.02)
        #expect(learned.volume == 1500)
        #expect(learned.serviceCount == 5)
        #expect(learned.windowsObserved == 1)
        #expect(learned.lastWindowEnd == 300)
    }

    @Test func laterWindowsMoveTheAverageByAlpha() {
        var learned = Baseline(scope: .overall, windowSeconds: 300)
        learned.update(with: ScopeMetrics(errorRate: 0.01, volume: 1000, serviceCount: 5), alpha: 0.2)
        learned.update(with: ScopeMetrics(errorRate: 0.06, volume: 2000, serviceCount: 10), alpha: 0.2)
        // 0.2 × new + 0.8 × old
        #expect(abs(learned.errorRate - 0.02) < 1e-12)
        #expect(abs(learned.volume - 1200) < 1e-9)
        #expect(abs(learned.serviceCount - 6) < 1e-12)
        learned.update(with: ScopeMetrics(errorRate: 0.02, volume: 1200, serviceCount: 6), alpha: 0.2)
        #expect(abs(learned.errorRate - 0.02) < 1e-12)
        #expect(learned.windowsObserved == 3)
    }

    @Test func aSilentWindowLeavesTheErrorRateAlone() {
        var learned = Baseline(scope: .service("api"), windowSeconds: 300)
        learned.update(with: ScopeMetrics(errorRate: 0.05, volume: 100, serviceCount: 1), alpha: 0.2)
        learned.update(with: ScopeMetrics(errorRate: 0, volume: 0, serviceCount: 0), alpha: 0.2)
        #expect(learned.errorRate == 0.05)
        #expect(abs(learned.volume - 80) < 1e-9)
    }

    @Test func learnsItsOwnScopeFromWindowStats() {
        let stats = WindowStats(services: ["api": counts(total: 200, errors: 10), "db": counts(total: 100, errors: 0)])
        var api = Baseline(scope: .service("api"), windowSeconds: 300)
        api.update(with: stats, alpha: 0.2)
        #expect(api.volume == 200)
        #expect(api.errorRate == 0.05)
        var overall = Baseline(scope: .overall, windowSeconds: 300)
        overall.update(with: stats, alpha: 0.2)
        #expect(overall.volume == 300)
        #expect(overall.serviceCount == 2)
    }
}

@Suite struct WindowStatsTests {
    @Test func summarisesOverallAndPerService() {
        let stats = WindowStats(snapshot: [
            (service: "api", counts: counts(total: 100, errors: 10)),
            (service: "db", counts: counts(total: 50, errors: 0)),
            (service: "gone", counts: SeverityCounts()),
            (service: "api", counts: counts(total: 50, errors: 5)),
        ])
        #expect(stats.total == 200)
        #expect(stats.errors == 15)
        #expect(stats.errorRate == 0.075)
        #expect(stats.distinctServices == 2)
        #expect(stats.activeServices == ["api", "db"])
        #expect(stats.bySeverity[3] == 15)
        #expect(stats.metrics(for: .service("api")).volume == 150)
        #expect(stats.metrics(for: .service("unknown")).volume == 0)
    }

    @Test func trailingWindowEndingAtATickSkipsStaleBuckets() {
        var window = WindowCounters(bucketCount: 3, startingAt: 10)
        window.record(severity: 6, at: 10)
        window.record(severity: 6, at: 11)
        #expect(window.trailingWindow(endingAt: 11).total == 2)
        #expect(window.trailingWindow(endingAt: 12).total == 2)
        #expect(window.trailingWindow(endingAt: 13).total == 1)
        #expect(window.trailingWindow(endingAt: 14).total == 0)
        #expect(window.trailingWindow(endingAt: 10).total == 1)
    }
}
