import Detect
import Testing
@testable import Store

/// The history's behaviour, for every backend (see ``HistoryStore``).
extension StoreContract {
    static let minute0: Int64 = 1_705_314_600  // 2024-01-15T10:30:00Z

    static func counts(_ pairs: [(severity: Int, count: Int)]) -> SeverityCounts {
        var counts = SeverityCounts()
        for (severity, count) in pairs { counts.add(severity: severity, count: count) }
        return counts
    }

    static func historyRoundTripsEveryField(_ backend: StoreBackend) async throws {
        try await backend.withFreshDatabase { database throws in
            try await withStore(database) { store throws in
                let written = [
                    HistoryMinute(scope: .overall, minute: minute0, counts: counts([(3, 2), (6, 98), (0, 1), (7, 4)]),
                                  baseline: HistoryBaseline(volumePerMinute: 101.5, errorRate: 0.0125)),
                    HistoryMinute(scope: .service("payments"), minute: minute0, counts: counts([(3, 2), (6, 50)]), baseline: nil),
                    HistoryMinute(scope: .service("payments"), minute: minute0 + 60, counts: counts([(2, 1), (4, 3), (5, 1), (1, 2)]),
                                  baseline: HistoryBaseline(volumePerMinute: 50, errorRate: 0.04)),
                    // A service named like a scope key still is a service.
                    HistoryMinute(scope: .service("overall"), minute: minute0, counts: counts([(6, 1)])),
                ]
                try await store.recordHistory(written)
                let read = try await store.history(of: [.overall, .service("payments"), .service("overall")], from: minute0, until: minute0 + 120)
                #expect(Set(read) == Set(written))
                let payments = try await store.history(of: .service("payments"), from: minute0, until: minute0 + 3600)
                #expect(payments.map(\.minute) == [minute0, minute0 + 60], "oldest first")
                #expect(payments[1].counts.lanes == [0, 2, 1, 0, 3, 1, 0, 0])
            }
        }
    }

    static func historyAddsUpRepeatedMinutesAndKeepsTheLatestBaseline(_ backend: StoreBackend) async throws {
        try await backend.withFreshDatabase { database throws in
            try await withStore(database) { store throws in
                let scope = Scope.service("api")
                try await store.recordHistory([
                    HistoryMinute(scope: scope, minute: minute0, counts: counts([(6, 10), (3, 1)]),
                                  baseline: HistoryBaseline(volumePerMinute: 9, errorRate: 0.1)),
                ])
                // A restart within the minute (or a second process) adds its part; no baseline
                // given keeps the stored one, a new one replaces it.
                try await store.recordHistory([
                    HistoryMinute(scope: scope, minute: minute0, counts: counts([(6, 5)]), baseline: nil),
                    HistoryMinute(scope: scope, minute: minute0, counts: counts([(3, 4)]), baseline: nil),
                ])
                var read = try await store.history(of: scope, from: minute0, until: minute0 + 60)
                #expect(read.count == 1)
                #expect(read.first?.counts.total == 20)
                #expect(read.first?.counts.errors == 5)
                #expect(read.first?.baseline == HistoryBaseline(volumePerMinute: 9, errorRate: 0.1))
                try await store.recordHistory([
                    HistoryMinute(scope: scope, minute: minute0, counts: SeverityCounts(), baseline: HistoryBaseline(volumePerMinute: 12, errorRate: 0.2)),
                ])
                read = try await store.history(of: scope, from: minute0, until: minute0 + 60)
                #expect(read.first?.counts.total == 20)
                #expect(read.first?.baseline == HistoryBaseline(volumePerMinute: 12, errorRate: 0.2))
            }
        }
    }

    static func historyIsStillThereAfterARestart(_ backend: StoreBackend) async throws {
        try await backend.withFreshDatabase { database throws in
            let minutes = (0..<5).map { HistoryMinute(scope: .service("auth"), minute: minute0 + Int64($0) * 60, counts: counts([(6, $0 + 1)])) }
            try await withStore(database) { store throws in try await store.recordHistory(minutes) }
            try await withStore(database) { store throws in
                #expect(try await store.history(of: .service("auth"), from: minute0, until: minute0 + 3600) == minutes)
            }
        }
    }

    static func historyAnswersOnlyTheScopesAndMinutesAsked(_ backend: StoreBackend) async throws {
        try await backend.withFreshDatabase { database throws in
            try await withStore(database) { store throws in
                var minutes: [HistoryMinute] = []
                for service in ["a", "b", "c"] {
                    for m in 0..<10 { minutes.append(HistoryMinute(scope: .service(service), minute: minute0 + Int64(m) * 60, counts: counts([(6, m)]))) }
                }
                try await store.recordHistory(minutes)
                let read = try await store.history(of: [.service("a"), .service("c"), .service("missing")], from: minute0 + 120, until: minute0 + 300)
                #expect(read.map { "\($0.scope.service!)@\(($0.minute - minute0) / 60)" } == ["a@2", "a@3", "a@4", "c@2", "c@3", "c@4"])
                #expect(try await store.history(of: [], from: minute0, until: minute0 + 600).isEmpty)
            }
        }
    }

    /// More scopes than one statement (or one prune slice) holds: one write, then a prune that
    /// removes exactly the minutes before its limit, in every slice.
    static func manyScopesInOneWriteAndPruneOnlyOlderMinutes(_ backend: StoreBackend) async throws {
        try await backend.withFreshDatabase { database throws in
            try await withStore(database) { store throws in
                let services = (0..<1_200).map { "service-\($0)" }
                for m in 0..<3 {
                    try await store.recordHistory(services.map {
                        HistoryMinute(scope: .service($0), minute: minute0 + Int64(m) * 60, counts: counts([(6, 1)]))
                    } + [HistoryMinute(scope: .overall, minute: minute0 + Int64(m) * 60, counts: counts([(6, 1_200)]))])
                }
                let all = try await store.history(of: services.map { .service($0) } + [.overall], from: minute0, until: minute0 + 180)
                #expect(all.count == 3 * 1_201)
                #expect(try await store.pruneHistory(before: minute0 + 60) == 1_201)
                #expect(try await store.pruneHistory(before: minute0 + 60) == 0)
                let left = try await store.history(of: services.map { .service($0) } + [.overall], from: minute0 - 3600, until: minute0 + 180)
                #expect(left.count == 2 * 1_201)
                #expect(left.allSatisfy { $0.minute >= minute0 + 60 })
            }
        }
    }
}

extension SQLiteStoreTests {
    @Test func historyRoundTripsEveryField() async throws { try await StoreContract.historyRoundTripsEveryField(.sqlite) }
    @Test func historyAddsUpRepeatedMinutesAndKeepsTheLatestBaseline() async throws { try await StoreContract.historyAddsUpRepeatedMinutesAndKeepsTheLatestBaseline(.sqlite) }
    @Test func historyIsStillThereAfterARestart() async throws { try await StoreContract.historyIsStillThereAfterARestart(.sqlite) }
    @Test func historyAnswersOnlyTheScopesAndMinutesAsked() async throws { try await StoreContract.historyAnswersOnlyTheScopesAndMinutesAsked(.sqlite) }
    @Test func manyScopesInOneWriteAndPruneOnlyOlderMinutes() async throws { try await StoreContract.manyScopesInOneWriteAndPruneOnlyOlderMinutes(.sqlite) }
}

extension PostgresStoreTests {
    @Test func historyRoundTripsEveryField() async throws { try await StoreContract.historyRoundTripsEveryField(.postgres) }
    @Test func historyAddsUpRepeatedMinutesAndKeepsTheLatestBaseline() async throws { try await StoreContract.historyAddsUpRepeatedMinutesAndKeepsTheLatestBaseline(.postgres) }
    @Test func historyIsStillThereAfterARestart() async throws { try await StoreContract.historyIsStillThereAfterARestart(.postgres) }
    @Test func historyAnswersOnlyTheScopesAndMinutesAsked() async throws { try await StoreContract.historyAnswersOnlyTheScopesAndMinutesAsked(.postgres) }
    @Test func manyScopesInOneWriteAndPruneOnlyOlderMinutes() async throws { try await StoreContract.manyScopesInOneWriteAndPruneOnlyOlderMinutes(.postgres) }
}
