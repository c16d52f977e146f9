import API
import Detect
import History
import Ingest
import Metrics
import Synchronization

/// Detection while serving: at every tick boundary of the wall clock, the ``TickSource`` hands
/// over whole ticks of per-service counts — this process's shards', or on a cluster's leader every
/// live member's summed — the ``Detector`` (the same code `vigil analyze` replays with) judges
/// every window over them, and its alerts, resolutions and learned baselines go to the
/// ``AlertWriter``, never blocking the receive path, which only ever counts.
///
/// A single instance and a cluster member run this same loop; only the source differs. A cluster
/// follower is handed nothing to judge and keeps no detector: when it is elected, its source
/// starts a detector afresh from the store (baselines, unresolved alerts), as a restart would.
final class LiveDetection: DetectionState {
    private let source: any TickSource
    private let writer: AlertWriter
    private let configuration: DetectionConfiguration
    /// The baselines in force after the latest tick, for `/services`.
    private let latestBaselines = Mutex<[Baseline]>([])
    /// The templates side of the latest tick, for `/services/{name}/templates`.
    private let latestTemplates = Mutex(TemplateWindow())
    /// Fed each tick's end for the per-minute history (this process's own counts).
    private let history: HistoryRecorder?
    private let ticks = Counter(label: "vigil_detection_ticks_total")
    private let proposed = Counter(label: "vigil_alerts_proposed_total")
    /// After a tick boundary, how long to wait before reading the tick: receive threads hand
    /// batches to the shards every 2 ms at most, so a message received just before the boundary
    /// is counted by then.
    static let settle: Double = 0.2

    /// What this process's detection holds between ticks.
    private struct State {
        /// `nil` until started (``DetectionStart``) and while another process judges.
        var detector: Detector?
        /// The newest tick the detector was given.
        var observed: Int64?
    }

    init(source: any TickSource, writer: AlertWriter, configuration: DetectionConfiguration, history: HistoryRecorder? = nil) {
        self.source = source
        self.history = history
        self.writer = writer
        self.configuration = configuration
    }

    /// Ticks until the task is cancelled, then judges once more (see ``finalTick(_:)``) and hands
    /// the baselines to the writer. `start`: the store's state (the previous run's baselines, and
    /// the keys of its alerts still active, which this detector resolves too); `nil` for a cluster
    /// member, whose source starts detection when the member leads.
    func run(start: DetectionStart?) async {
        var state = State()
        if let start { state.detector = makeDetector(start) }
        latestBaselines.withLock { $0 = state.detector?.baselines ?? [] }
        while !Task.isCancelled {
            let next = nextTick()
            do {
                try await Task.sleep(for: .seconds(Double(next) + Self.settle - WallClock().secondsSinceEpochDouble))
            } catch {
                break  // cancelled: shutting down
            }
            let learned = state.detector?.lastCompletedWindowEnd
            let output = await step(await source.feed(at: next, observed: state.observed), &state, at: next)
            guard let detector = state.detector else { continue }
            // Baselines change once per completed window: only then are they worth writing.
            let windowCompleted = detector.lastCompletedWindowEnd != learned
            if !output.isEmpty || windowCompleted {
                await writer.submit(
                    output, baselines: windowCompleted ? detector.baselines : nil,
                    templates: windowCompleted ? source.templatesToStore(pruneBefore: next - configuration.longestWindow) : nil)
            }
        }
        await finalTick(&state)
    }

    /// Leaves what the source holds (a cluster member leaves the cluster), once the writer has
    /// written detection's last output.
    func close() async {
        await source.close(at: WallClock().secondsSinceEpoch)
    }

    /// At shutdown, after the shards have drained: what the source still has is judged — unless
    /// the tick would close a window, which must not be learned half-observed. The baselines are
    /// handed over either way, for the writer's final flush.
    private func finalTick(_ state: inout State) async {
        let next = nextTick()
        let feed = await source.finish(at: next, observed: state.observed)
        let closesWindow = configuration.windows.contains { next % $0 == 0 }
        var output = DetectionOutput()
        if case .judge(let batch) = feed, !closesWindow, state.detector != nil || batch.start != nil {
            output = judge(batch, &state, at: next)
        }
        history?.finish(throughTick: next / configuration.tickSeconds - 1, baselines: latestBaselines.withLock { $0 })
        guard let detector = state.detector else { return }
        await writer.submit(output, baselines: detector.baselines, templates: source.templatesToStore(pruneBefore: nil))
    }

    private func nextTick() -> Int64 {
        (WallClock().secondsSinceEpoch / configuration.tickSeconds + 1) * configuration.tickSeconds
    }

    /// One boundary: judges what the source handed over (if anything), then records the tick's
    /// end in the history with the baselines in force.
    private func step(_ feed: TickFeed, _ state: inout State, at boundary: Int64) async -> DetectionOutput {
        var output = DetectionOutput()
        switch feed {
        case .judge(let batch):
            output = judge(batch, &state, at: boundary)
        case .follow(let templates):
            state = State()
            let baselines = await source.baselinesJudgedElsewhere(at: boundary)
            latestBaselines.withLock { $0 = baselines }
            latestTemplates.withLock { $0 = templates }
        case .skip:
            break
        }
        history?.tickEnded(boundary / configuration.tickSeconds - 1, baselines: latestBaselines.withLock { $0 })
        return output
    }

    /// Hands the detector the batch's ticks, then judges the boundary.
    private func judge(_ batch: TickBatch, _ state: inout State, at boundary: Int64) -> DetectionOutput {
        if let start = batch.start { state = State(detector: makeDetector(start)) }
        guard var detector = state.detector else { return DetectionOutput() }
        for tick in batch.ticks {
            detector.observe(tick: tick.tick, counts: tick.counts)
            state.observed = max(state.observed ?? tick.tick, tick.tick)
        }
        let output = detector.evaluate(at: boundary, templates: batch.templates)
        state.detector = detector
        ticks.increment()
        proposed.increment(by: output.alerts.count)
        let baselines = detector.baselines
        latestBaselines.withLock { $0 = baselines }
        latestTemplates.withLock { $0 = batch.templates }
        return output
    }

    /// The in-memory cooldown spares the database a refusal per tick during an incident; the
    /// store's atomic cooldown stays the authority (across restarts, leaders and processes).
    private func makeDetector(_ start: DetectionStart) -> Detector {
        var detector = Detector(
            configuration: configuration,
            cooldown: InMemoryCooldown(cooldownSeconds: configuration.cooldownSeconds),
            baselines: start.baselines, observingSince: start.observedSince)
        detector.trackUnresolved(start.unresolved)
        return detector
    }

    // MARK: DetectionState (for the HTTP API)

    func baselines() async -> [Baseline] { latestBaselines.withLock { $0 } }

    func pendingAlerts() async -> Int { await writer.snapshot.queued }

    func pendingAnalyses() async -> Int { writer.analysis?.backlog ?? 0 }

    func activity(endingAtTick lastTick: Int64) async -> [ServiceActivity]? { await source.activity(endingAtTick: lastTick) }

    func templateWindow() async -> TemplateWindow { latestTemplates.withLock { $0 } }
}

extension WallClock {
    var secondsSinceEpochDouble: Double { Double(nanosecondsSinceEpoch) / 1e9 }
}
