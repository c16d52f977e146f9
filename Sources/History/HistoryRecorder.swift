import Detect
import Foundation
import Logging
import Metrics
import Store
import Synchronization

/// Keeps the per-minute history (``HistoryMinute``): on every detection tick it reads the
/// counts of the tick that just ended from the shards, adds them to the minute being counted,
/// and when a minute is complete queues its rows — every service that sent something, and the
/// overall scope — for one write to the store. A task of its own (``run()``) does the writes
/// and prunes what is older than the retention, so neither detection nor the receive path
/// ever waits on the database for history.
///
/// **Reading behind.** A message of the tick that just ended may still be on its way to its
/// shard; so the recorder reads one tick behind the latest (when the counters hold at least
/// three ticks) and catches up through every tick it has not read yet, as long as the
/// counters still hold it (ticks lost otherwise are counted, `vigil_history_ticks_lost_total`).
/// At shutdown, after the shards have drained, ``finish(throughTick:baselines:)`` reads up to
/// the running tick and closes the minute early: a restart inside a minute adds to the same
/// row (``HistoryStore/recordHistory(_:)`` sums).
///
/// **Bounded.** While the store is unreachable complete minutes wait in memory, at most
/// ``Configuration/maxQueuedMinutes`` of them; older ones are dropped and counted.
public final class HistoryRecorder: Sendable {
    public struct Configuration: Sendable, Hashable {
        public var tickSeconds: Int64
        /// The window whose baselines the rows carry (detection's), and that the shards'
        /// counters span (so it bounds how far behind the recorder may read).
        public var windowSeconds: Int64
        /// Minutes older than this are pruned.
        public var retentionSeconds: Int64
        public var pruneIntervalSeconds: Int64
        public var maxQueuedMinutes: Int

        public init(
            tickSeconds: Int64, windowSeconds: Int64, retentionSeconds: Int64 = 7 * 86_400,
            pruneIntervalSeconds: Int64 = 3600, maxQueuedMinutes: Int = 60
        ) {
            self.tickSeconds = max(1, tickSeconds)
            self.windowSeconds = max(self.tickSeconds, windowSeconds)
            self.retentionSeconds = max(60, retentionSeconds)
            self.pruneIntervalSeconds = max(1, pruneIntervalSeconds)
            self.maxQueuedMinutes = max(1, maxQueuedMinutes)
        }

        /// Ticks the shards' counters hold.
        var ringTicks: Int64 { windowSeconds / tickSeconds }
        /// Ticks the recorder stays behind the tick that just ended.
        var lagTicks: Int64 { ringTicks >= 3 ? 1 : 0 }
    }

    private struct State: Sendable {
        var accumulator = MinuteAccumulator()
        var lastRecordedTick: Int64?
        /// Complete minutes not yet written, oldest first.
        var queue: [[HistoryMinute]] = []
    }

    public let configuration: Configuration
    private let source: any TickCountSource
    private let store: any HistoryStore
    private let logger: Logger
    private let state = Mutex(State())
    private let metrics = HistoryMetrics()

    public init(configuration: Configuration, source: any TickCountSource, store: any HistoryStore, logger: Logger) {
        self.configuration = configuration
        self.source = source
        self.store = store
        self.logger = logger
    }

    // MARK: Fed by detection

    /// The tick `lastTick` has ended (detection judged it); `baselines` are the ones in force.
    public func tickEnded(_ lastTick: Int64, baselines: [Baseline]) {
        record(through: lastTick - configuration.lagTicks, baselines: baselines)
    }

    /// At shutdown, with the shards drained: reads every tick up to `tick` (the running one
    /// included) and queues the minute being counted, incomplete as it is.
    public func finish(throughTick tick: Int64, baselines: [Baseline]) {
        record(through: tick, baselines: baselines)
        state.withLock { state in
            let rows = state.accumulator.close()
            if !rows.isEmpty { enqueue(rows, in: &state) }
        }
    }

    private func record(through target: Int64, baselines: [Baseline]) {
        let inForce = Dictionary(
            baselines.lazy.filter { $0.windowSeconds == self.configuration.windowSeconds }
                .compactMap { baseline in HistoryBaseline(baseline).map { (baseline.scope, $0) } },
            uniquingKeysWith: { _, last in last })
        // The oldest tick every service's counters surely still hold: they may already have
        // moved on to the tick after the one that just ended.
        let oldestHeld = target + configuration.lagTicks + 2 - configuration.ringTicks
        let from: Int64 = state.withLock { state in
            state.accumulator.baselines = inForce
            // The first tick: everything received so far is in the tick that just ended, which
            // the next call reads (the shards hold nothing from before this process).
            guard let last = state.lastRecordedTick else {
                state.lastRecordedTick = target
                return target + 1
            }
            let next = last + 1
            if next < oldestHeld {
                metrics.ticksLost.increment(by: Int(oldestHeld - next))
                return oldestHeld
            }
            return next
        }
        guard from <= target else { return }
        // One read per minute the ticks fall in (usually one read of one tick).
        var tick = from
        while tick <= target {
            let minute = HistoryMinute.start(of: tick * configuration.tickSeconds)
            var last = tick
            while last < target, HistoryMinute.start(of: (last + 1) * configuration.tickSeconds) == minute { last += 1 }
            let counts = source.serviceCounts(ticks: tick...last)
            state.withLock { state in
                if let completed = state.accumulator.add(tickStart: tick * configuration.tickSeconds, counts: counts) {
                    enqueue(completed, in: &state)
                }
                state.lastRecordedTick = last
            }
            tick = last + 1
        }
    }

    private func enqueue(_ rows: [HistoryMinute], in state: inout State) {
        state.queue.append(rows)
        if state.queue.count > configuration.maxQueuedMinutes {
            let excess = state.queue.count - configuration.maxQueuedMinutes
            state.queue.removeFirst(excess)
            metrics.minutesDropped.increment(by: excess)
            logger.error("history: store unavailable too long, oldest minutes dropped", metadata: ["dropped": "\(excess)"])
        }
        metrics.queued.record(state.queue.count)
    }

    // MARK: Read by the API

    /// What the store does not have yet: the minute being counted (``HistorySnapshot/current``)
    /// and complete minutes waiting to be written, for `scopes`. Read it *after* the store, so
    /// that a minute written in between is missed once rather than counted twice.
    public func unwritten(of scopes: Set<Scope>) -> HistorySnapshot {
        state.withLock { state in
            var rows: [HistoryMinute] = []
            for batch in state.queue { rows += batch.filter { scopes.contains($0.scope) } }
            guard let minute = state.accumulator.minute else { return HistorySnapshot(current: nil, rows: rows) }
            rows += state.accumulator.rows(minute: minute, scopes: scopes)
            return HistorySnapshot(current: minute, rows: rows)
        }
    }

    /// Complete minutes waiting to be written.
    public var queuedMinutes: Int { state.withLock { $0.queue.count } }

    // MARK: Writing and pruning

    /// Writes queued minutes as they complete (one transaction per minute) and prunes on start
    /// and every ``Configuration/pruneIntervalSeconds``, until cancelled. A failed write is
    /// retried with a growing pause (1 s up to 30 s); the minutes wait meanwhile.
    public func run() async {
        var nextPrune = ContinuousClock.now
        var pause = Duration.seconds(1)
        var failing = false
        while !Task.isCancelled {
            do {
                while try await writeOldest() {}
                if failing { logger.notice("history: writes succeed again") }
                failing = false
                pause = .seconds(1)
            } catch {
                metrics.writeErrors.increment()
                if !failing { logger.error("history: cannot write, will retry", metadata: ["error": "\(error)"]) }
                failing = true
                try? await Task.sleep(for: pause)
                pause = min(pause * 2, .seconds(30))
                continue
            }
            if ContinuousClock.now >= nextPrune {
                await prune(now: Int64(Date().timeIntervalSince1970))
                nextPrune = ContinuousClock.now + .seconds(configuration.pruneIntervalSeconds)
            }
            try? await Task.sleep(for: .milliseconds(500))
        }
    }

    /// Writes every queued minute, once each (at shutdown, after ``finish(throughTick:baselines:)``
    /// and after ``run()`` has returned: there is one writer at a time). Minutes the store refuses
    /// are logged and left.
    public func flush() async {
        do {
            while try await writeOldest() {}
        } catch {
            metrics.writeErrors.increment()
            logger.error("history: minutes not written at shutdown", metadata: ["minutes": "\(queuedMinutes)", "error": "\(error)"])
        }
    }

    /// Writes the oldest queued minute and removes it from the queue once stored; `false` when
    /// there was none.
    private func writeOldest() async throws -> Bool {
        guard let rows = state.withLock({ $0.queue.first }) else { return false }
        try await store.recordHistory(rows)
        state.withLock { state in
            state.queue.removeFirst()
            metrics.queued.record(state.queue.count)
        }
        metrics.minutesWritten.increment()
        metrics.rowsWritten.increment(by: rows.count)
        return true
    }

    /// Deletes minutes older than the retention; a failure is logged and tried again next time.
    public func prune(now: Int64) async {
        let before = HistoryMinute.start(of: now - configuration.retentionSeconds)
        do {
            let deleted = try await store.pruneHistory(before: before)
            metrics.rowsPruned.increment(by: deleted)
            if deleted > 0 { logger.info("history pruned", metadata: ["rows": "\(deleted)", "before": "\(before)"]) }
        } catch {
            logger.error("history: prune failed", metadata: ["error": "\(error)"])
        }
    }
}

/// What ``HistoryRecorder/unwritten(of:)`` hands the API.
public struct HistorySnapshot: Sendable {
    /// Start of the minute still being counted (its rows are partial), if any.
    public var current: Int64?
    public var rows: [HistoryMinute]

    public init(current: Int64?, rows: [HistoryMinute]) {
        self.current = current
        self.rows = rows
    }
}

/// The recorder's instruments (they show in `/metrics`).
struct HistoryMetrics: Sendable {
    let minutesWritten = Counter(label: "vigil_history_minutes_written_total")
    let rowsWritten = Counter(label: "vigil_history_rows_written_total")
    let writeErrors = Counter(label: "vigil_history_write_errors_total")
    let minutesDropped = Counter(label: "vigil_history_minutes_dropped_total")
    let rowsPruned = Counter(label: "vigil_history_rows_pruned_total")
    let ticksLost = Counter(label: "vigil_history_ticks_lost_total")
    let queued = Gauge(label: "vigil_history_queued_minutes")
}
