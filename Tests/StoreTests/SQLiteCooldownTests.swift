import Detect
import Testing
@testable import Store

@Suite struct SQLiteCooldownTests {
    @Test func admitsFirstRefusesWithinCooldownAdmitsAfter() async throws {
        try await withTemporaryDatabasePath { path throws in
            try await withStore(at: path) { store throws in
                let start: Int64 = 1_705_314_600
                #expect(try await store.admitAlert(category: .errorSpike, at: start, cooldownSeconds: 900))
                #expect(try await !store.admitAlert(category: .errorSpike, at: start, cooldownSeconds: 900))
                #expect(try await !store.admitAlert(category: .errorSpike, at: start + 899, cooldownSeconds: 900))
                // Categories cool down independently.
                #expect(try await store.admitAlert(category: .volumeSpike, at: start + 899, cooldownSeconds: 900))
                // At exactly last + cooldown the cooldown is over (as InMemoryCooldown).
                #expect(try await store.admitAlert(category: .errorSpike, at: start + 900, cooldownSeconds: 900))
                // A refusal does not extend the cooldown; an admission restarts it.
                #expect(try await !store.admitAlert(category: .errorSpike, at: start + 1000, cooldownSeconds: 900))
                #expect(try await store.admitAlert(category: .errorSpike, at: start + 1800, cooldownSeconds: 900))
                // Time going backwards (an older replay) is inside the cooldown.
                #expect(try await !store.admitAlert(category: .errorSpike, at: start, cooldownSeconds: 900))
            }
        }
    }

    @Test func cooldownSurvivesReopening() async throws {
        try await withTemporaryDatabasePath { path throws in
            try await withStore(at: path) { store throws in
                #expect(try await store.admitAlert(category: .serviceChange, at: 1_000, cooldownSeconds: 900))
            }
            try await withStore(at: path) { store throws in
                #expect(try await !store.admitAlert(category: .serviceChange, at: 1_500, cooldownSeconds: 900))
                #expect(try await store.admitAlert(category: .serviceChange, at: 1_900, cooldownSeconds: 900))
            }
        }
    }

    @Test func twoStoresOnOneFileAdmitExactlyOneAtTheSameInstant() async throws {
        try await withTemporaryDatabasePath { path throws in
            try await withStore(at: path) { first throws in
                try await withStore(at: path) { second throws in
                    for round in 0..<20 {
                        let instant = Int64(round) * 10_000
                        async let a = first.admitAlert(category: .errorSpike, at: instant, cooldownSeconds: 900)
                        async let b = second.admitAlert(category: .errorSpike, at: instant, cooldownSeconds: 900)
                        let results = try await [a, b]
                        #expect(results.filter { $0 }.count == 1, "round \(round): \(results)")
                    }
                }
            }
        }
    }

    @Test func manyRacingTasksOnTwoStoresAdmitExactlyOne() async throws {
        try await withTemporaryDatabasePath { path throws in
            try await withStore(at: path) { first throws in
                try await withStore(at: path) { second throws in
                    let admitted = try await withThrowingTaskGroup(of: Bool.self) { group in
                        for index in 0..<16 {
                            let store = index.isMultiple(of: 2) ? first : second
                            group.addTask { try await store.admitAlert(category: .volumeSpike, at: 5_000 + Int64(index % 3), cooldownSeconds: 900) }
                        }
                        return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
                    }
                    #expect(admitted == 1)
                }
            }
        }
    }
}
