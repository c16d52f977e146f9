import Detect
import Testing
@testable import Store

/// The behaviour every ``VigilStore`` backend must show, written once against a
/// ``StoreBackend`` and run by each backend's suite (``SQLiteStoreTests``, ``PostgresStoreTests``).
enum StoreContract {
    static func admitsFirstRefusesWithinCooldownAdmitsAfter(_ backend: StoreBackend) async throws {
        try await backend.withFreshDatabase { database throws in
            try await withStore(database) { store throws in
                let start: Int64 = 1_705_314_600
                #expect(try await store.admitAlert(AlertKey(.errorSpike, .overall), at: start, cooldownSeconds: 900))
                #expect(try await !store.admitAlert(AlertKey(.errorSpike, .overall), at: start, cooldownSeconds: 900))
                #expect(try await !store.admitAlert(AlertKey(.errorSpike, .overall), at: start + 899, cooldownSeconds: 900))
                // Categories cool down independently.
                #expect(try await store.admitAlert(AlertKey(.volumeSpike, .overall), at: start + 899, cooldownSeconds: 900))
                // At exactly last + cooldown the cooldown is over (as InMemoryCooldown).
                #expect(try await store.admitAlert(AlertKey(.errorSpike, .overall), at: start + 900, cooldownSeconds: 900))
                // A refusal does not extend the cooldown; an admission restarts it.
                #expect(try await !store.admitAlert(AlertKey(.errorSpike, .overall), at: start + 1000, cooldownSeconds: 900))
                #expect(try await store.admitAlert(AlertKey(.errorSpike, .overall), at: start + 1800, cooldownSeconds: 900))
                // Time going backwards (an older replay) is inside the cooldown.
                #expect(try await !store.admitAlert(AlertKey(.errorSpike, .overall), at: start, cooldownSeconds: 900))
            }
        }
    }

    static func cooldownSurvivesReopening(_ backend: StoreBackend) async throws {
        try await backend.withFreshDatabase { database throws in
            try await withStore(database) { store throws in
                #expect(try await store.admitAlert(AlertKey(.serviceChange, .overall), at: 1_000, cooldownSeconds: 900))
            }
            try await withStore(database) { store throws in
                #expect(try await !store.admitAlert(AlertKey(.serviceChange, .overall), at: 1_500, cooldownSeconds: 900))
                #expect(try await store.admitAlert(AlertKey(.serviceChange, .overall), at: 1_900, cooldownSeconds: 900))
            }
        }
    }

    static func twoStoresOnOneDatabaseAdmitExactlyOneAtTheSameInstant(_ backend: StoreBackend) async throws {
        try await backend.withFreshDatabase { database throws in
            try await withStore(database) { first throws in
                try await withStore(database) { second throws in
                    for round in 0..<20 {
                        let instant = Int64(round) * 10_000
                        async let a = first.admitAlert(AlertKey(.errorSpike, .overall), at: instant, cooldownSeconds: 900)
                        async let b = second.admitAlert(AlertKey(.errorSpike, .overall), at: instant, cooldownSeconds: 900)
                        let results = try await [a, b]
                        #expect(results.filter { $0 }.count == 1, "round \(round): \(results)")
                    }
                }
            }
        }
    }

    static func manyRacingTasksOnTwoStoresAdmitExactlyOne(_ backend: StoreBackend) async throws {
        try await backend.withFreshDatabase { database throws in
            try await withStore(database) { first throws in
                try await withStore(database) { second throws in
                    let admitted = try await withThrowingTaskGroup(of: Bool.self) { group in
                        for index in 0..<16 {
                            let store = index.isMultiple(of: 2) ? first : second
                            group.addTask { try await store.admitAlert(AlertKey(.volumeSpike, .overall), at: 5_000 + Int64(index % 3), cooldownSeconds: 900) }
                        }
                        return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
                    }
                    #expect(admitted == 1)
                }
            }
        }
    }

    static func migratingAgainKeepsTheData(_ backend: StoreBackend) async throws {
        try await backend.withFreshDatabase { database throws in
            try await withStore(database) { store throws in
                try await store.migrate()
                try await store.saveBaselines([Baseline(scope: .overall, windowSeconds: 300, volume: 10, windowsObserved: 1)])
            }
            // A second process start.
            try await withStore(database) { store throws in
                try await store.migrate()
                #expect(try await store.loadBaselines(windowSeconds: 300).count == 1)
            }
        }
    }

    static func baselinesRoundTripAndUpsert(_ backend: StoreBackend) async throws {
        try await backend.withFreshDatabase { database throws in
            try await withStore(database) { store throws in
                let baselines = [
                    Baseline(scope: .overall, windowSeconds: 300, errorRate: 0.01, volume: 1500.5, serviceCount: 5,
                             windowsObserved: 12, lastWindowEnd: 1_705_314_600),
                    Baseline(scope: .service("payments"), windowSeconds: 300, errorRate: 0.2, volume: 300,
                             serviceCount: 1, windowsObserved: 3, lastWindowEnd: nil),
                    Baseline(scope: .service("overall"), windowSeconds: 300, volume: 7, windowsObserved: 1),
                    Baseline(scope: .overall, windowSeconds: 60, volume: 99, windowsObserved: 1),
                ]
                try await store.saveBaselines(baselines)
                let loaded = try await store.loadBaselines(windowSeconds: 300)
                #expect(Set(loaded) == Set(baselines.filter { $0.windowSeconds == 300 }))
                #expect(try await store.loadBaselines(windowSeconds: 60) == [baselines[3]])

                var updated = baselines[1]
                updated.update(with: ScopeMetrics(errorRate: 0.5, volume: 100, serviceCount: 1), alpha: 0.2, windowEnd: 1_705_314_900)
                try await store.saveBaselines([updated])
                let reloaded = try await store.loadBaselines(windowSeconds: 300)
                #expect(reloaded.count == 3)
                #expect(reloaded.first { $0.scope == .service("payments") } == updated)
            }
        }
    }

    static func alertsComeBackWholeNewestFirstUpToTheLimit(_ backend: StoreBackend) async throws {
        try await backend.withFreshDatabase { database throws in
            try await withStore(database) { store throws in
                let alerts = [
                    sampleAlert(id: "anom_20240115_103000_1", detectedAt: 1_705_314_600),
                    sampleAlert(id: "anom_20240115_104500_1", detectedAt: 1_705_315_500, category: .volumeSpike),
                    sampleAlert(id: "anom_20240115_104500_2", detectedAt: 1_705_315_500, category: .serviceChange),
                    sampleAlert(id: "anom_20240115_101500_1", detectedAt: 1_705_313_700, category: .newPattern),
                ]
                for alert in alerts { try await store.insertAlert(alert) }
                // A retried write keeps the first copy.
                var retried = alerts[0]
                retried.description = "changed"
                try await store.insertAlert(retried)

                let all = try await store.recentAlerts(limit: 10)
                #expect(all.map(\.anomalyID) == [
                    "anom_20240115_104500_2", "anom_20240115_104500_1", "anom_20240115_103000_1", "anom_20240115_101500_1",
                ])
                #expect(all.first { $0.anomalyID == alerts[0].anomalyID } == alerts[0])
                #expect(try await store.recentAlerts(limit: 2).map(\.anomalyID) == ["anom_20240115_104500_2", "anom_20240115_104500_1"])
                #expect(try await store.recentAlerts(limit: 0).isEmpty)
            }
        }
    }

    static func alertsFilterByCategoryServiceAndSince(_ backend: StoreBackend) async throws {
        try await backend.withFreshDatabase { database throws in
            try await withStore(database) { store throws in
                var checkout = sampleAlert(id: "anom_1", detectedAt: 1_000)
                checkout.affectedServices = ["checkout", "payments"]
                var pay = sampleAlert(id: "anom_2", detectedAt: 2_000, category: .volumeSpike)
                pay.affectedServices = ["pay"]  // a prefix of "payments": must not match "payments"
                var quoted = sampleAlert(id: "anom_3", detectedAt: 3_000, category: .volumeSpike)
                quoted.affectedServices = ["api \"gateway\"", "payments%"]
                for alert in [checkout, pay, quoted] { try await store.insertAlert(alert) }

                func ids(_ query: AlertQuery) async throws -> [String] { try await store.recentAlerts(query).map(\.anomalyID) }
                #expect(try await ids(AlertQuery(limit: 10)) == ["anom_3", "anom_2", "anom_1"])
                #expect(try await ids(AlertQuery(limit: 1)) == ["anom_3"])
                #expect(try await ids(AlertQuery(limit: 10, category: .volumeSpike)) == ["anom_3", "anom_2"])
                #expect(try await ids(AlertQuery(limit: 10, category: .serviceChange)) == [])
                #expect(try await ids(AlertQuery(limit: 10, service: "payments")) == ["anom_1"])
                #expect(try await ids(AlertQuery(limit: 10, service: "pay")) == ["anom_2"])
                #expect(try await ids(AlertQuery(limit: 10, service: "payments%")) == ["anom_3"])
                #expect(try await ids(AlertQuery(limit: 10, service: "api \"gateway\"")) == ["anom_3"])
                #expect(try await ids(AlertQuery(limit: 10, since: 2_000)) == ["anom_3", "anom_2"])
                #expect(try await ids(AlertQuery(limit: 10, category: .volumeSpike, service: "pay", since: 1_500)) == ["anom_2"])
                #expect(try await ids(AlertQuery(limit: 0)) == [])
            }
        }
    }

    static func alertIsFoundByItsIDAndMissingIsNil(_ backend: StoreBackend) async throws {
        try await backend.withFreshDatabase { database throws in
            try await withStore(database) { store throws in
                let alert = sampleAlert(id: "anom_20240115_103045_1", detectedAt: 1_705_314_645)
                try await store.insertAlert(alert)
                #expect(try await store.alert(anomalyID: alert.anomalyID) == alert)
                #expect(try await store.alert(anomalyID: "anom_missing") == nil)
            }
        }
    }

    static func updateAnalysisFillsTheAnalysisFields(_ backend: StoreBackend) async throws {
        try await backend.withFreshDatabase { database throws in
            try await withStore(database) { store throws in
                let alert = sampleAlert(id: "anom_20240115_103045_1", detectedAt: 1_705_314_645)
                try await store.insertAlert(alert)
                #expect(try await store.recentAlerts(limit: 1).first?.analysis.source == "pending")
                let claude = AlertAnalysis(
                    rootCause: "database connection pool exhausted",
                    impact: "checkout failing for ~30% of requests",
                    recommendedActions: ["raise pool size", "check DB latency"],
                    confidence: 0.8,
                    source: "claude",
                    model: "claude-sonnet-4-20250514",
                    inputTokens: 1234,
                    outputTokens: 210,
                    latencyMilliseconds: 2_345
                )
                try await store.updateAnalysis(anomalyID: alert.anomalyID, claude)
                var expected = alert
                expected.rootCause = "database connection pool exhausted"
                expected.impact = "checkout failing for ~30% of requests"
                expected.recommendedActions = ["raise pool size", "check DB latency"]
                expected.confidence = 0.8
                expected.analysisSource = "claude"
                expected.analysisModel = "claude-sonnet-4-20250514"
                expected.analysisInputTokens = 1234
                expected.analysisOutputTokens = 210
                expected.analysisLatencyMilliseconds = 2_345
                #expect(try await store.recentAlerts(limit: 1) == [expected])

                // A later analysis replaces every field, the provenance included.
                let offline = AlertAnalysis(
                    rootCause: "error_spike in payments", impact: nil, recommendedActions: [], confidence: nil,
                    source: "offline", error: "Claude answered HTTP 401: invalid x-api-key"
                )
                try await store.updateAnalysis(anomalyID: alert.anomalyID, offline)
                #expect(try await store.recentAlerts(limit: 1) == [alert.applying(offline)])

                await #expect(throws: StoreError.alertNotFound(anomalyID: "anom_missing")) {
                    try await store.updateAnalysis(anomalyID: "anom_missing", offline)
                }
            }
        }
    }

    static func alertsInsertedWithAnAnalysisKeepIt(_ backend: StoreBackend) async throws {
        try await backend.withFreshDatabase { database throws in
            try await withStore(database) { store throws in
                let alert = sampleAlert(id: "anom_analysed", detectedAt: 1_705_314_645).applying(
                    AlertAnalysis(rootCause: "r", impact: "i", recommendedActions: ["a"], confidence: 1, source: "claude",
                                  error: nil, model: "m", inputTokens: 1, outputTokens: 2, latencyMilliseconds: 3)
                )
                try await store.insertAlert(alert)
                #expect(try await store.recentAlerts(limit: 1) == [alert])
            }
        }
    }

    static func concurrentOperationsOnOneStoreDoNotInterleaveTransactions(_ backend: StoreBackend) async throws {
        try await backend.withFreshDatabase { database throws in
            try await withStore(database) { store throws in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<20 {
                        group.addTask {
                            try await store.saveBaselines([
                                Baseline(scope: .service("s\(index)"), windowSeconds: 300, volume: Double(index), windowsObserved: 1),
                                Baseline(scope: .overall, windowSeconds: 300, volume: Double(index), windowsObserved: 1),
                            ])
                        }
                        group.addTask { try await store.insertAlert(sampleAlert(id: "anom_\(index)", detectedAt: Int64(index))) }
                    }
                    try await group.waitForAll()
                }
                #expect(try await store.loadBaselines(windowSeconds: 300).count == 21)
                #expect(try await store.recentAlerts(limit: 100).count == 20)
            }
        }
    }

    static func concurrentStartsOnOneDatabaseAllSucceed(_ backend: StoreBackend) async throws {
        try await backend.withFreshDatabase { database throws in
            let opened = await withTaskGroup(of: Result<any VigilStore, any Error>.self) { group in
                for _ in 0..<4 { group.addTask {
                        do { return .success(try await database.openStore()) } catch { return .failure(error) }
                    } }
                return await group.reduce(into: []) { $0.append($1) }
            }
            for case .success(let store) in opened { try await store.close() }
            for case .failure(let error) in opened { Issue.record(error, "a concurrent start failed") }
            try await withStore(database) { store throws in
                #expect(try await store.admitAlert(AlertKey(.errorSpike, .overall), at: 0, cooldownSeconds: 900))
            }
        }
    }

    static func closedStoreRefusesOperations(_ backend: StoreBackend) async throws {
        try await backend.withFreshDatabase { database throws in
            let store = try await database.openStore()
            #expect(try await store.admitAlert(AlertKey(.errorSpike, .overall), at: 0, cooldownSeconds: 900))
            try await store.close()
            try await store.close()  // idempotent
            await #expect(throws: StoreError.closed) { _ = try await store.recentAlerts(limit: 1) }
        }
    }
}
