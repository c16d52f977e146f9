import API
import Detect
import History
import Ingest
import Metrics
import Synchronization

/// Detection while serving: on every tick boundary of the wall clock, the shards' counts over
/// the trailing window are judged by the ``Detector`` (the same code `vigil analyze` replays
/// with), and its alerts and learned baselines go to the ``AlertWriter`` — never blocking the
/// receive path, which only ever counts.
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

    init(shards: ShardSet, writer: AlertWriter, configuration: DetectionConfiguration, history: HistoryRecorder? = nil) {
        self.history = history
        self.shards = shards
        self.writer = writer
        self.configuration = configuration
    }

    /// Ticks until the task is cancelled, then judges once more (see ``finalTick``) and hands
    /// the baselines to the writer. `baselines` come from the store (the previous run).
    func run(baselines: [Baseline]) async {
        latestBaselines.withLock { $0 = baselines }
        // The in-memory cooldown spares the database a refusal per tick during an incident;
        // the store's atomic cooldown stays the authority (across restarts and processes).
        var detector = Detector(
            configuration: configuration,
            cooldown: InMemoryCooldown(cooldownSeconds: configuration.cooldownSeconds),
            baselines: baselines)
        var learned = detector.lastCompletedWindowEnd
        while !Task.isCancelled {
            let next = nextTick()
            do {
                try await Task.sleep(for: .seconds(Double(next) - WallClock().secondsSinceEpochDouble))
            } catch {
                break  // cancelled: shutting down
            }
            let alerts = evaluate(&detector, at: next)
            // Baselines change once per completed window: only then are they worth writing.
            let windowCompleted = detector.lastCompletedWindowEnd != learned
            learned = detector.lastCompletedWindowEnd
            if !alerts.isEmpty || windowCompleted {
                await writer.submit(
                    alerts: alerts, baselines: windowCompleted ? Array(detector.baselines.values) : nil,
                    templates: windowCompleted ? shards.persistentTemplates(pruneBefore: next - configuration.windowSeconds) : nil)
            }
        }
        await finalTick(&detector)
    }

    /// At shutdown, after the shards have drained: messages received since the last tick are
    /// judged (an incident just before a restart still raises its alert) by evaluating the tick
    /// now running early — unless that tick would close a window, which must not be learned
    /// half-observed. The baselines are handed over either way, for the writer's final flush.
    private func finalTick(_ detector: inout Detector) async {
        let next = nextTick()
        let closesWindow = next % configuration.windowSeconds == 0
        let alerts = closesWindow ? [] : evaluate(&detector, at: next)
        history?.finish(throughTick: next / configuration.tickSeconds - 1, baselines: Array(detector.baselines.values))
        await writer.submit(alerts: alerts, baselines: Array(detector.baselines.values), templates: shards.persistentTemplates())
    }

    private func nextTick() -> Int64 {
        (WallClock().secondsSinceEpoch / configuration.tickSeconds + 1) * configuration.tickSeconds
    }

    private func evaluate(_ detector: inout Detector, at tick: Int64) -> [Alert] {
        let lastTick = tick / configuration.tickSeconds - 1
        let window = WindowStats(snapshot: shards.serviceSnapshot(endingAtTick: lastTick))
        let templates = shards.templateWindow(endingAtTick: lastTick)
        let alerts = detector.evaluate(at: tick, window: window, templates: templates)
        ticks.increment()
        proposed.increment(by: alerts.count)
        let baselines = Array(detector.baselines.values)
        latestBaselines.withLock { $0 = baselines }
        latestTemplates.withLock { $0 = templates }
        history?.tickEnded(lastTick, baselines: baselines)
        return alerts
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
