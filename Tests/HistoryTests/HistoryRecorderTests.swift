import Detect
import Foundation
import Logging
import Store
import Synchronization
import Testing
@testable import History

/// Ticks as the shards would hold them: counts per (tick, service).
final class FixedTicks: TickCountSource {
    private let table = Mutex<[Int64: [String: SeverityCounts]]>([:])
    /// Ranges read, in order.
    let reads = Mutex<[ClosedRange<Int64>]>([])

    func add(tick: Int64, service: String, severity: Int, count: Int) {
        table.withLock { $0[tick, default: [:]][service, default: SeverityCounts()].add(severity: severity, count: count) }
    }

    func serviceCounts(ticks: ClosedRange<Int64>) -> [(service: String, counts: SeverityCounts)] {
        reads.withLock { $0.append(ticks) }
        var sums: [String: SeverityCounts] = [:]
        table.withLock { table in
            for tick in ticks { for (service, counts) in table[tick] ?? [:] { sums[service, default: SeverityCounts()].add(counts) } }
        }
        return sums.map { ($0.key, $0.value) }
    }
}

/// A store that keeps what it is given, or refuses while `failing`.
final class MemoryHistory: HistoryStore {
    let written = Mutex<[[HistoryMinute]]>([])
    let failing = Mutex(false)
    struct Refused: Error {}

    func recordHistory(_ minutes: [HistoryMinute]) async throws {
        if failing.withLock({ $0 }) { throw Refused() }
        written.withLock { $0.append(minutes) }
    }

    func history(of scopes: [Scope], from: Int64, until: Int64) async throws -> [HistoryMinute] {
        written.withLock { $0.flatMap { $0 } }.filter { scopes.contains($0.scope) && $0.minute >= from && $0.minute < until }
    }

    func pruneHistory(before: Int64) async throws -> Int { 0 }
}

@Suite struct HistoryRecorderTests {
    /// 10-second ticks, 60-second window (6 ticks held: the recorder reads one tick behind).
    static let configuration = HistoryRecorder.Configuration(tickSeconds: 10, windowSeconds: 60, maxQueuedMinutes: 3)
    /// Tick 0 of a minute (seconds 1_705_314_600 = 10:30:00 UTC).
    static let t0: Int64 = 170_531_460

    func recorder(_ source: FixedTicks, _ store: MemoryHistory) -> HistoryRecorder {
        HistoryRecorder(configuration: Self.configuration, source: source, store: store, logger: Logger(label: "test"))
    }

    @Test func ticksAddUpToOneRowPerServiceAndOverallPerMinute() async throws {
        let source = FixedTicks(), store = MemoryHistory()
        let recorder = recorder(source, store)
        for tick in Self.t0..<(Self.t0 + 6) {
            source.add(tick: tick, service: "api", severity: 6, count: 10)
            source.add(tick: tick, service: "api", severity: 3, count: 1)
            if tick == Self.t0 + 2 { source.add(tick: tick, service: "db", severity: 4, count: 7) }
        }
        source.add(tick: Self.t0 + 6, service: "api", severity: 6, count: 99)  // the next minute
        let baselines = [
            Baseline(scope: .service("api"), windowSeconds: 60, errorRate: 0.1, volume: 66, windowsObserved: 2),
            Baseline(scope: .overall, windowSeconds: 60, errorRate: 0.09, volume: 70, windowsObserved: 2),
            Baseline(scope: .service("api"), windowSeconds: 3600, errorRate: 0.5, volume: 1, windowsObserved: 2),  // another window: ignored
            Baseline(scope: .service("db"), windowSeconds: 60, windowsObserved: 0),  // nothing learned: no baseline
        ]
        // Ticks end one after another; the recorder stays one behind, so the minute closes
        // when the tick after the next minute's first has ended.
        for tick in Self.t0..<(Self.t0 + 7) { recorder.tickEnded(tick, baselines: baselines) }
        #expect(recorder.queuedMinutes == 0)
        recorder.tickEnded(Self.t0 + 7, baselines: baselines)
        #expect(recorder.queuedMinutes == 1)
        await recorder.flush()
        let rows = store.written.withLock { $0 }
        #expect(rows.count == 1, "one write for the minute")
        let byScope = Dictionary(uniqueKeysWithValues: rows[0].map { ($0.scope, $0) })
        let minute = Self.t0 * 10
        #expect(byScope[.service("api")] == HistoryMinute(
            scope: .service("api"), minute: minute, counts: SeverityCounts(bySeverity: [0, 0, 0, 6, 0, 0, 60, 0]),
            baseline: HistoryBaseline(volumePerMinute: 66, errorRate: 0.1)))
        #expect(byScope[.service("db")]?.counts.total == 7)
        #expect(byScope[.service("db")]?.baseline == nil)
        #expect(byScope[.overall]?.counts.total == 73)
        #expect(byScope[.overall]?.baseline == HistoryBaseline(volumePerMinute: 70, errorRate: 0.09))
        // Each tick read once, never the tick that just ended.
        var covered: [Int64] = []
        for range in source.reads.withLock({ $0 }) { covered += Array(range) }
        #expect(covered == Array(Self.t0...(Self.t0 + 6)), "every tick read exactly once, in order, never the one just ended")
    }

    @Test func theMinuteBeingCountedIsVisibleBeforeItIsWritten() async throws {
        let source = FixedTicks(), store = MemoryHistory()
        let recorder = recorder(source, store)
        source.add(tick: Self.t0, service: "api", severity: 6, count: 4)
        recorder.tickEnded(Self.t0, baselines: [])
        recorder.tickEnded(Self.t0 + 1, baselines: [])
        let snapshot = recorder.unwritten(of: [.service("api"), .overall, .service("other")])
        #expect(snapshot.current == Self.t0 * 10)
        #expect(snapshot.rows.map(\.scope) == [.overall, .service("api")])
        #expect(snapshot.rows.map(\.counts.total) == [4, 4])
        #expect(store.written.withLock { $0.isEmpty })
    }

    @Test func finishReadsTheRunningTickAndWritesTheMinuteEarly() async throws {
        let source = FixedTicks(), store = MemoryHistory()
        let recorder = recorder(source, store)
        source.add(tick: Self.t0, service: "api", severity: 6, count: 1)
        recorder.tickEnded(Self.t0, baselines: [])
        source.add(tick: Self.t0 + 1, service: "api", severity: 3, count: 2)  // the tick running at shutdown
        recorder.finish(throughTick: Self.t0 + 1, baselines: [])
        await recorder.flush()
        let rows = store.written.withLock { $0 }.flatMap { $0 }
        #expect(rows.first { $0.scope == .service("api") }?.counts.total == 3)
        #expect(recorder.unwritten(of: [.overall]).rows.isEmpty)
    }

    @Test func aQuietMinuteStillHasItsOverallRow() async throws {
        let source = FixedTicks(), store = MemoryHistory()
        let recorder = recorder(source, store)
        for tick in Self.t0..<(Self.t0 + 8) { recorder.tickEnded(tick, baselines: []) }
        await recorder.flush()
        let rows = store.written.withLock { $0 }.flatMap { $0 }
        #expect(rows.contains { $0.scope == .overall && $0.minute == Self.t0 * 10 && $0.counts.total == 0 })
        #expect(!rows.contains { $0.scope != .overall })
    }

    @Test func ticksTheCountersNoLongerHoldAreSkippedNotMisread() async throws {
        let source = FixedTicks(), store = MemoryHistory()
        let recorder = recorder(source, store)
        recorder.tickEnded(Self.t0, baselines: [])
        // Detection stalled for a minute: only the ticks still held (6 − 2) are read.
        recorder.tickEnded(Self.t0 + 60, baselines: [])
        // target t0+59 (one behind); held: t0+59 + 1 (lag) + 2 − 6 = t0+56 onwards.
        #expect(source.reads.withLock { $0 } == [(Self.t0 + 56)...(Self.t0 + 59)])
    }

    @Test func whileTheStoreIsDownMinutesWaitUpToTheLimit() async throws {
        let source = FixedTicks(), store = MemoryHistory()
        store.failing.withLock { $0 = true }
        let recorder = recorder(source, store)
        for minute in 0..<5 {
            let tick = Self.t0 + Int64(minute) * 6
            source.add(tick: tick, service: "api", severity: 6, count: minute + 1)
            for t in tick..<(tick + 6) { recorder.tickEnded(t, baselines: []) }
        }
        recorder.tickEnded(Self.t0 + 30, baselines: [])
        recorder.tickEnded(Self.t0 + 31, baselines: [])
        await recorder.flush()
        #expect(recorder.queuedMinutes == 3, "the oldest beyond the limit are dropped")
        store.failing.withLock { $0 = false }
        await recorder.flush()
        #expect(recorder.queuedMinutes == 0)
        let written = store.written.withLock { $0 }.flatMap { $0 }.filter { $0.scope == .service("api") }
        #expect(written.map(\.counts.total) == [3, 4, 5], "the newest minutes, oldest first")
    }
}

@Suite struct HistoryRecorderStoreTests {
    /// Two runs of the recorder on one SQLite file, the second starting inside the minute the
    /// first stopped in: their parts of the minute add up.
    @Test func aRestartInsideAMinuteAddsToTheSameRow() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-history-\(UUID().uuidString).db").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let t0 = HistoryRecorderTests.t0
        for part in 0..<2 {
            let store = try await DatabaseURL.sqlite(.file(path: path)).openStore()
            let source = FixedTicks()
            let recorder = HistoryRecorder(configuration: HistoryRecorderTests.configuration, source: source, store: store, logger: Logger(label: "test"))
            let tick = t0 + Int64(part) * 3
            source.add(tick: tick, service: "api", severity: 3, count: 5)
            recorder.tickEnded(tick, baselines: [])
            recorder.finish(throughTick: tick + 1, baselines: [])
            await recorder.flush()
            try await store.close()
        }
        let store = try await DatabaseURL.sqlite(.file(path: path)).openStore()
        let rows = try await store.history(of: .service("api"), from: t0 * 10, until: t0 * 10 + 60)
        try await store.close()
        #expect(rows.map(\.counts.errors) == [10])
    }
}
