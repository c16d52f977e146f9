import Detect
import Ingest
import Synchronization

/// Detection while serving: on every tick boundary of the wall clock, the shards' counts over
/// the trailing window are judged by the ``Detector`` (the same code `vigil analyze` replays
/// with), and its alerts and learned baselines go to the ``AlertWriter`` — never blocking the
/// receive path, which only ever counts.
final class LiveDetection: Sendable {
    private let shards: ShardSet
    private let writer: AlertWriter
    private let configuration: DetectionConfiguration
    private let alertsProposed = Atomic<Int>(0)
    private let ticksEvaluated = Atomic<Int>(0)

    init(shards: ShardSet, writer: AlertWriter, configuration: DetectionConfiguration) {
        self.shards = shards
        self.writer = writer
        self.configuration = configuration
    }

    /// Ticks until the task is cancelled. `baselines` come from the store (the previous run).
    func run(baselines: [Baseline]) async {
        // The in-memory cooldown spares the database a refusal per tick during an incident;
        // the store's atomic cooldown stays the authority (across restarts and processes).
        var detector = Detector(
            configuration: configuration,
            cooldown: InMemoryCooldown(cooldownSeconds: configuration.cooldownSeconds),
            baselines: baselines)
        var learned = detector.lastCompletedWindowEnd
        while !Task.isCancelled {
            let now = WallClock().secondsSinceEpoch
            let next = (now / configuration.tickSeconds + 1) * configuration.tickSeconds
            do {
                try await Task.sleep(for: .seconds(Double(next) - WallClock().secondsSinceEpochDouble))
            } catch {
                return  // cancelled: shutting down
            }
            let lastTick = next / configuration.tickSeconds - 1
            let window = WindowStats(snapshot: shards.serviceSnapshot(endingAtTick: lastTick))
            let alerts = detector.evaluate(at: next, window: window, templates: shards.templateWindow(endingAtTick: lastTick))
            ticksEvaluated.add(1, ordering: .relaxed)
            alertsProposed.add(alerts.count, ordering: .relaxed)
            // Baselines change once per completed window: only then are they worth writing.
            let windowCompleted = detector.lastCompletedWindowEnd != learned
            learned = detector.lastCompletedWindowEnd
            if !alerts.isEmpty || windowCompleted {
                await writer.submit(
                    alerts: alerts, baselines: windowCompleted ? Array(detector.baselines.values) : nil,
                    templates: windowCompleted ? shards.persistentTemplates(pruneBefore: next - configuration.windowSeconds) : nil)
            }
        }
    }

    /// Prometheus text for `/metrics`.
    func metrics() async -> String {
        let counters = await writer.snapshot
        return """
            # HELP vigil_detection_ticks_total Ticks at which the trailing window was judged.
            # TYPE vigil_detection_ticks_total counter
            vigil_detection_ticks_total \(ticksEvaluated.load(ordering: .relaxed))
            # HELP vigil_alerts_proposed_total Alerts the rules raised (before the store's cooldown).
            # TYPE vigil_alerts_proposed_total counter
            vigil_alerts_proposed_total \(alertsProposed.load(ordering: .relaxed))
            # HELP vigil_alerts_stored_total Alerts admitted by the cooldown and written.
            # TYPE vigil_alerts_stored_total counter
            vigil_alerts_stored_total \(counters.written)
            # HELP vigil_alerts_refused_by_cooldown_total Alerts the store's cooldown refused.
            # TYPE vigil_alerts_refused_by_cooldown_total counter
            vigil_alerts_refused_by_cooldown_total \(counters.refusedByCooldown)
            # HELP vigil_alerts_dropped_total Alerts dropped because the write queue was full.
            # TYPE vigil_alerts_dropped_total counter
            vigil_alerts_dropped_total \(counters.dropped)
            # HELP vigil_store_write_errors_total Failed database writes (retried).
            # TYPE vigil_store_write_errors_total counter
            vigil_store_write_errors_total \(counters.writeErrors)
            # HELP vigil_store_queued_alerts Alerts waiting to be written.
            # TYPE vigil_store_queued_alerts gauge
            vigil_store_queued_alerts \(counters.queued)

            """
    }
}

extension WallClock {
    var secondsSinceEpochDouble: Double { Double(nanosecondsSinceEpoch) / 1e9 }
}
