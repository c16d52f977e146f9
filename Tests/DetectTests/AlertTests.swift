import Testing
@testable import Detect

@Suite struct AnomalyIDTests {
    @Test func isTimeBasedAndCountsWithinASecond() {
        var ids = AnomalyID()
        let t: Int64 = 1_705_314_645  // 2024-01-15T10:30:45Z
        #expect(ids.next(at: t) == "anom_20240115_103045_1")
        #expect(ids.next(at: t) == "anom_20240115_103045_2")
        #expect(ids.next(at: t + 1) == "anom_20240115_103046_1")
    }
}

@Suite struct AlertTests {
    func anomaly(_ scope: Scope, _ severity: AlertSeverity, multiplier: Double, services: [String]) -> Anomaly {
        Anomaly(
            category: .errorSpike,
            severity: severity,
            scope: scope,
            windowSeconds: 60,
            affectedServices: services,
            current: ScopeMetrics(errorRate: 0.3, volume: 300, serviceCount: 1),
            baseline: ScopeMetrics(errorRate: 0.01, volume: 300, serviceCount: 1),
            multiplier: multiplier,
            description: "spike in \(services)"
        )
    }

    @Test func groupingLeadsWithTheMostSevereAnomaly() throws {
        let alert = try #require(
            Alert.grouping(
                [
                    anomaly(.overall, .medium, multiplier: 7, services: ["db", "api"]),
                    anomaly(.service("api"), .high, multiplier: 30, services: ["api"]),
                ],
                id: "anom_x_1",
                detectedAt: 1_705_314_645,
                samples: []
            )
        )
        #expect(alert.severity == .high)
        #expect(alert.category == .errorSpike)
        #expect(alert.affectedServices == ["api", "db"])
        #expect(alert.multiplier == 30)
        #expect(alert.anomalies.count == 2)
        #expect(alert.analysisSource == "pending")
        #expect(alert.rootCause == nil && alert.recommendedActions.isEmpty && alert.confidence == nil)
        #expect(alert.detectedAtRFC3339 == "2024-01-15T10:30:45.000000Z")
    }

    @Test func samplesPutErrorsFirstAndStopAtTheLimit() {
        var samples = SampleMessages(capacity: 10)
        for i in 0..<15 { samples.note(service: "api", severity: 6, text: "info \(i)") }
        samples.note(service: "api", severity: 3, text: "error 1")
        samples.note(service: "db", severity: 2, text: "db critical")
        samples.note(service: "api", severity: 3, text: "error 2")
        let picked = samples.samples(for: ["api"], limit: 10)
        #expect(picked.count == 10)
        #expect(Array(picked.prefix(3)) == ["error 2", "error 1", "info 14"])
        #expect(!picked.contains("db critical"))
        #expect(samples.samples(for: ["api", "db"], limit: 3) == ["error 2", "db critical", "error 1"])
    }

    @Test func severitiesOrderFromLowToCritical() {
        #expect(AlertSeverity.allCases.sorted() == [.low, .medium, .high, .critical])
        #expect(AnomalyCategory.allCases.map(\.rawValue) == ["error_spike", "volume_spike", "service_change", "new_pattern"])
    }
}
