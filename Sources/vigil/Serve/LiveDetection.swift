import API
import Detect
import History
import Ingest
import Metrics
import Synchronization

/// Detection while serving: at every tick boundary of the wall clock, the shards hand over the
/// counts of the tick just ended (per service), the ``Detector`` — the same code `vigil analyze`
/// replays with — judges every window over them, and its alerts, resolutions and learned
/// baselines go to the ``AlertWriter``, never blocking the receive path, which only ever counts.
///
/// The detector is given whole ticks (``Detector/observe(tick:counts:)``): the seam a cluster
/// leader will use with the per-tick counts of every instance summed.
final class LiveDetection: DetectionState {
    private let shards: ShardSet
    private let writer: AlertWriter
    private let configuration: DetectionConfiguration
    /// The detector's baselines after the latest tick, for `/services`.
    private let latestBaselines = Mutex<[Baseline]>([])
    /// The templates side of the latest tick, for `/services/{name}/templates`.
    private let latestTemplates = Mutex(TemplateWindow())
    /// Fed each tick's counts for the per-minute history.
    private let history: HistoryRecorder?
    private let ticks = Counter(label: "vigil_detection_ticks_total")
    private let proposed = Counter(label: "vigil_alerts_proposed_total")
    /// After a tick boundary, how long to wait before reading the tick: receive threads hand
    /// batches to the shards every 2 ms at most, so a message received just before the boundary
    /// is counted by then.
    static let settle: Double = 0.2

    init(shards: ShardSet, writer: AlertWriter, configuration: DetectionConfiguration, history: HistoryRecorder? = nil) {
        self.history = history
        self.shards = shards
        self.writer = writer
        self.configuration = configuration
    }

    /// Ticks until the task is cancelled, then judges once more (see ``finalTick``) and hands
    /// the baselines to the writer. `baselines` come from the store (the previous run), and
    /// `unresolved` are the keys of its alerts still active, which this detector resolves too.
    func run(baselines: [Baseline], unresolved: [AlertKey]) async {
        latestBaselines.withLock { $0 = baselines }
        // The in-memory cooldown spares the database a refusal per tick during an incident;
        // the store's atomic cooldown stays the authority (across restarts and processes).
        var detector = Detector(
            configuration: configuration,
            cooldown: InMemoryCooldown(cooldownSeconds: configuration.cooldownSeconds),
            baselines: baselines)
        detector.trackUnresolved(unresolved)
        var observed: Int64?
        var learned = detector.lastCompletedWindowEnd
        while !Task.isCancelled {
            let next = nextTick()
            do {
                try await Task.sleep(for: .seconds(Double(next) + Self.settle - WallClock().secondsSinceEpochDouble))
            } catch {
                break  // cancelled: shutting down
            }
            let output = evaluate(&detector, at: next, observed: &observed)
            // Baselines change once per completed window: only then are they worth writing.
            let windowCompleted = detector.lastCompletedWindowEnd != learned
            learned = detector.lastCompletedWindowEnd
            if !output.isEmpty || windowCompleted {
                await writer.submit(
                    output, baselines: windowCompleted ? detector.baselines : nil,
                    templates: windowCompleted ? shards.persistentTemplates(pruneBefore: next - configuration.longestWindow) : nil)
            }
        }
        await finalTick(&detector, observed: &observed)
    }

    /// At shutdown, after the shards have drained: messages received since the last tick are
    /// judged (an incident just before a restart still raises its alert) by evaluating the tick
    /// now running early — unless that tick would close a window, which must not be learned
    /// half-observed. The baselines are handed over either way, for the writer's final flush.
    private func finalTick(_ detector: inout Detector, observed: inout Int64?) async {
        let next = nextTick()
        let closesWindow = configuration.windows.contains { next % $0 == 0 }
        let output = closesWindow ? DetectionOutput() : evaluate(&detector, at: next, observed: &observed)
        history?.finish(throughTick: next / configuration.tickSeconds - 1, baselines: detector.baselines)
        await writer.submit(output, baselines: detector.baselines, templates: shards.persistentTemplates())
    }

    private func nextTick() -> Int64 {
        (WallClock().secondsSinceEpoch / configuration.tickSeconds + 1) * configuration.tickSeconds
    }

    /// Hands the detector every tick since the last one it was given (all the ring holds at the
    /// first call, or after a stall), then judges the boundary `tick`.
    private func evaluate(_ detector: inout Detector, at tick: Int64, observed: inout Int64?) -> DetectionOutput {
        let lastTick = tick / configuration.tickSeconds - 1
        let oldest = lastTick - Int64(configuration.ticksPerWindow) + 1
        // Empty when the wall clock stepped back: nothing new to hand over.
        for t in stride(from: max((observed ?? oldest - 1) + 1, oldest), through: lastTick, by: 1) {
            detector.observe(tick: t, counts: shards.serviceCounts(atTick: t))
        }
        observed = max(observed ?? lastTick, lastTick)
        let templates = shards.templateWindow(endingAtTick: lastTick)
        let output = detector.evaluate(at: tick, templates: templates)
        ticks.increment()
        proposed.increment(by: output.alerts.count)
        let baselines = detector.baselines
        latestBaselines.withLock { $0 = baselines }
        latestTemplates.withLock { $0 = templates }
        history?.tickEnded(lastTick, baselines: baselines)
        return output
    }

    // MARK: DetectionState (for the HTTP API)

    func baselines() async -> [Baseline] { latestBaselines.withLock { $0 } }

    func pendingAlerts() async -> Int { await writer.snapshot.queued }

    func pendingAnalyses() async -> Int { writer.analysis?.backlog ?? 0 }

    func templateWindow() async -> TemplateWindow { latestTemplates.withLock { $0 } }
}

extension WallClock {
    var secondsSinceEpochDouble: Double { Double(nanosecondsSinceEpoch) / 1e9 }
}
