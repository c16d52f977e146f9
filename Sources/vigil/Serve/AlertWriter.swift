import Analyze
import Detect
import Logging
import Metrics
import Store

/// Writes detection's output — alerts, resolutions — and baselines to the store off the receive
/// path, through a bounded queue.
///
/// Detection never waits on the database: it hands its output and baselines here and goes on.
/// When the database is down or slow, events wait in the queue (at most ``capacity``; beyond that
/// the oldest are dropped and counted) and are written, in order, when it returns; only the
/// newest baselines are kept, as older ones are superseded. Per alert: the store's atomic
/// cooldown for its key decides whether it is kept (so several Vigil processes sharing one
/// database alert once), then the store assigns its incident, then the alert is inserted with its
/// `alert.created` outbox rows and handed to analysis. A resolution resolves the key's active
/// alerts (with their `alert.resolved` rows) and closes incidents whose alerts are all resolved.
/// The same steps as `vigil analyze`'s (``AlertLifecycle``).
actor AlertWriter {
    struct Counters: Sendable {
        var written = 0
        var refusedByCooldown = 0
        var resolved = 0
        var dropped = 0
        var writeErrors = 0
        var queued = 0
    }

    private let store: any VigilStore
    private let lifecycle: AlertLifecycle
    private let capacity: Int
    private let logger: Logger
    private var events: [DetectionEvent] = []
    /// The head alert's progress through its steps, so that a retry after a failed write neither
    /// asks the cooldown twice (it would refuse its own alert) nor opens a second incident.
    private var head = AlertLifecycle.Progress()
    private var baselines: [Baseline]?
    private var templates: [PersistentTemplate]?
    private var counters = Counters()
    private var draining = false
    private var shuttingDown = false
    private let metrics = WriterMetrics()

    /// Where a stored alert goes next: root-cause analysis (never blocks).
    let analysis: AnalysisQueue?

    /// `announce` gives the outbox rows of an alert's `alert.created` and `alert.resolved` (one per
    /// notification target), written in the alert's and the resolution's own transactions.
    init(
        store: any VigilStore, cooldownSeconds: Int64, correlationSeconds: Int64, capacity: Int = 1000,
        analysis: AnalysisQueue? = nil, announce: @escaping AlertLifecycle.Announce = { _, _ in [] }, logger: Logger
    ) {
        self.analysis = analysis
        self.store = store
        self.lifecycle = AlertLifecycle(
            store: store, cooldownSeconds: cooldownSeconds, correlationSeconds: correlationSeconds, announce: announce)
        self.capacity = capacity
        self.logger = logger
    }

    func submit(_ output: DetectionOutput, baselines latest: [Baseline]?, templates latestTemplates: [PersistentTemplate]? = nil) {
        if let latestTemplates { templates = latestTemplates }
        events += output.events
        if events.count > capacity {
            let excess = events.count - capacity
            events.removeFirst(excess)
            head = AlertLifecycle.Progress()
            counters.dropped += excess
            metrics.dropped.increment(by: excess)
            logger.error("alert queue full: oldest alerts and resolutions dropped", metadata: ["dropped": "\(excess)"])
        }
        if let latest { baselines = latest }
        counters.queued = events.count
        metrics.queued.record(events.count)
        if !draining {
            draining = true
            Task { await self.drain() }
        }
    }

    var snapshot: Counters { counters }

    /// Writes what is queued; on a database error waits (1 s, doubling to 30 s) and tries again,
    /// indefinitely or until `maxFailures` errors.
    private func drain(maxFailures: Int? = nil) async {
        var pause: Duration = .seconds(1)
        var failures = 0
        while !events.isEmpty || baselines != nil || templates != nil {
            do {
                let started = ContinuousClock.now
                if let event = events.first {
                    try await write(event, started: started)
                    events.removeFirst()
                    head = AlertLifecycle.Progress()
                } else if let pending = baselines {
                    baselines = nil
                    try await store.saveBaselines(pending)
                    metrics.writeDuration.recordInterval(since: started)
                } else if let pending = templates {
                    templates = nil
                    try await store.saveTemplates(pending)
                    metrics.writeDuration.recordInterval(since: started)
                }
                counters.queued = events.count
                metrics.queued.record(events.count)
                pause = .seconds(1)
            } catch {
                counters.writeErrors += 1
                metrics.writeErrors.increment()
                failures += 1
                if let maxFailures, failures >= maxFailures { break }
                logger.error("cannot write to the database; will retry", metadata: [
                    "error": "\(error)", "queued_events": "\(events.count)", "retry_in": "\(pause)",
                ])
                // Sleep in short steps so that shutdown need not wait out a long pause.
                let wakeAt = ContinuousClock.now + pause
                while ContinuousClock.now < wakeAt, !shuttingDown { try? await Task.sleep(for: .milliseconds(100)) }
                if shuttingDown { break }
                pause = min(pause * 2, .seconds(30))
            }
        }
        draining = false
    }

    private func write(_ event: DetectionEvent, started: ContinuousClock.Instant) async throws {
        switch event {
        case .alert(let proposed):
            var progress = head
            let stored: Alert?
            do {
                stored = try await lifecycle.store(proposed, progress: &progress)
            } catch {
                head = progress
                throw error
            }
            guard let alert = stored else {
                counters.refusedByCooldown += 1
                metrics.refused.increment()
                return
            }
            analysis?.submit(alert)
            metrics.writeDuration.recordInterval(since: started)
            counters.written += 1
            metrics.stored.increment()
            Counter(label: "vigil_alerts_total", dimensions: [("category", alert.category.rawValue)]).increment()
            logger.notice("alert", metadata: [
                "anomaly_id": "\(alert.anomalyID)", "category": "\(alert.category.rawValue)",
                "severity": "\(alert.severity.rawValue)", "services": "\(alert.affectedServices.joined(separator: ","))",
                "window_seconds": "\(alert.windowSeconds)", "incident_id": "\(alert.incidentID ?? "")",
                "description": "\(alert.description)",
            ])
        case .resolution(let resolution):
            let resolved = try await lifecycle.resolve(resolution)
            metrics.writeDuration.recordInterval(since: started)
            guard !resolved.isEmpty else { return }
            counters.resolved += resolved.count
            metrics.resolved.increment(by: resolved.count)
            logger.notice("resolved", metadata: [
                "anomaly_ids": "\(resolved.joined(separator: ","))", "category": "\(resolution.key.category.rawValue)",
                "scope": "\(resolution.key.scope.service ?? "overall")", "resolved_at": "\(Alert.rfc3339(seconds: resolution.resolvedAt))",
            ])
        }
    }

    /// At shutdown: waits for a drain in progress, then writes what is left, giving up after
    /// `attempts` database errors (what could not be written is logged as lost).
    func flush(attempts: Int = 3) async {
        shuttingDown = true
        while draining { try? await Task.sleep(for: .milliseconds(50)) }
        shuttingDown = false
        guard !events.isEmpty || baselines != nil || templates != nil else { return }
        draining = true
        await drain(maxFailures: attempts)
        if !events.isEmpty {
            logger.error("alerts and resolutions not written at shutdown", metadata: ["lost": "\(events.count)"])
        }
    }
}

/// The writer's swift-metrics instruments (exported by the Prometheus factory `vigil serve`
/// bootstraps; no-ops when nothing is bootstrapped, as in unit tests).
private struct WriterMetrics {
    let stored = Counter(label: "vigil_alerts_stored_total")
    let refused = Counter(label: "vigil_alerts_refused_by_cooldown_total")
    let resolved = Counter(label: "vigil_alerts_resolved_total")
    let dropped = Counter(label: "vigil_alerts_dropped_total")
    let writeErrors = Counter(label: "vigil_store_write_errors_total")
    let queued = Gauge(label: "vigil_store_queued_alerts")
    /// Database write latency: one alert (cooldown check, incident and insert), one resolution
    /// or one baseline batch.
    let writeDuration = Metrics.Timer(label: "vigil_store_write_duration_seconds")
}

extension Metrics.Timer {
    func recordInterval(since start: ContinuousClock.Instant) {
        record(duration: ContinuousClock.now - start)
    }
}
