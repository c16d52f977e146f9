import Analyze
import Detect
import Logging
import Metrics
import Store

/// Writes alerts and baselines to the store off the receive path, through a bounded queue.
///
/// Detection never waits on the database: it hands alerts and baselines here and goes on. When
/// the database is down or slow, alerts wait in the queue (at most ``capacity``; beyond that the
/// oldest are dropped and counted) and are written, in order, when it returns; only the newest
/// baselines are kept, as older ones are superseded. The store's atomic cooldown decides which
/// alerts are kept, so several Vigil processes sharing one database alert once.
actor AlertWriter {
    struct Counters: Sendable {
        var written = 0
        var refusedByCooldown = 0
        var dropped = 0
        var writeErrors = 0
        var queued = 0
    }

    private let store: any VigilStore
    private let cooldownSeconds: Int64
    private let capacity: Int
    private let logger: Logger
    private var alerts: [Alert] = []
    private var baselines: [Baseline]?
    private var templates: [PersistentTemplate]?
    private var counters = Counters()
    private var draining = false
    private var shuttingDown = false
    private let metrics = WriterMetrics()

    /// Where a stored alert goes next: root-cause analysis (never blocks).
    let analysis: AnalysisQueue?
    /// The outbox rows announcing a new alert (`alert.created` per target), written in the
    /// alert's own transaction.
    private let announce: AnalysisQueue.Announce

    init(
        store: any VigilStore, cooldownSeconds: Int64, capacity: Int = 1000, analysis: AnalysisQueue? = nil,
        announce: @escaping AnalysisQueue.Announce = { _ in [] }, logger: Logger
    ) {
        self.analysis = analysis
        self.announce = announce
        self.store = store
        self.cooldownSeconds = cooldownSeconds
        self.capacity = capacity
        self.logger = logger
    }

    func submit(alerts new: [Alert], baselines latest: [Baseline]?, templates latestTemplates: [PersistentTemplate]? = nil) {
        if let latestTemplates { templates = latestTemplates }
        alerts += new
        if alerts.count > capacity {
            let excess = alerts.count - capacity
            alerts.removeFirst(excess)
            counters.dropped += excess
            metrics.dropped.increment(by: excess)
            logger.error("alert queue full: oldest alerts dropped", metadata: ["dropped": "\(excess)"])
        }
        if let latest { baselines = latest }
        counters.queued = alerts.count
        metrics.queued.record(alerts.count)
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
        while !alerts.isEmpty || baselines != nil || templates != nil {
            do {
                let started = ContinuousClock.now
                if let alert = alerts.first {
                    if try await store.admitAlert(category: alert.category, at: alert.detectedAt, cooldownSeconds: cooldownSeconds) {
                        try await store.insertAlert(alert, notifying: announce(alert))
                        analysis?.submit(alert)
                        metrics.writeDuration.recordInterval(since: started)
                        counters.written += 1
                        metrics.stored.increment()
                        Counter(label: "vigil_alerts_total", dimensions: [("category", alert.category.rawValue)]).increment()
                        logger.notice("alert", metadata: [
                            "anomaly_id": "\(alert.anomalyID)", "category": "\(alert.category.rawValue)",
                            "severity": "\(alert.severity.rawValue)", "services": "\(alert.affectedServices.joined(separator: ","))",
                            "description": "\(alert.description)",
                        ])
                    } else {
                        counters.refusedByCooldown += 1
                        metrics.refused.increment()
                    }
                    alerts.removeFirst()
                } else if let pending = baselines {
                    baselines = nil
                    try await store.saveBaselines(pending)
                    metrics.writeDuration.recordInterval(since: started)
                } else if let pending = templates {
                    templates = nil
                    try await store.saveTemplates(pending)
                    metrics.writeDuration.recordInterval(since: started)
                }
                counters.queued = alerts.count
                metrics.queued.record(alerts.count)
                pause = .seconds(1)
            } catch {
                counters.writeErrors += 1
                metrics.writeErrors.increment()
                failures += 1
                if let maxFailures, failures >= maxFailures { break }
                logger.error("cannot write to the database; will retry", metadata: [
                    "error": "\(error)", "queued_alerts": "\(alerts.count)", "retry_in": "\(pause)",
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

    /// At shutdown: waits for a drain in progress, then writes what is left, giving up after
    /// `attempts` database errors (what could not be written is logged as lost).
    func flush(attempts: Int = 3) async {
        shuttingDown = true
        while draining { try? await Task.sleep(for: .milliseconds(50)) }
        shuttingDown = false
        guard !alerts.isEmpty || baselines != nil || templates != nil else { return }
        draining = true
        await drain(maxFailures: attempts)
        if !alerts.isEmpty {
            logger.error("alerts not written at shutdown", metadata: ["lost": "\(alerts.count)"])
        }
    }
}

/// The writer's swift-metrics instruments (exported by the Prometheus factory `vigil serve`
/// bootstraps; no-ops when nothing is bootstrapped, as in unit tests).
private struct WriterMetrics {
    let stored = Counter(label: "vigil_alerts_stored_total")
    let refused = Counter(label: "vigil_alerts_refused_by_cooldown_total")
    let dropped = Counter(label: "vigil_alerts_dropped_total")
    let writeErrors = Counter(label: "vigil_store_write_errors_total")
    let queued = Gauge(label: "vigil_store_queued_alerts")
    /// Database write latency: one alert (cooldown check and insert) or one baseline batch.
    let writeDuration = Metrics.Timer(label: "vigil_store_write_duration_seconds")
}

extension Metrics.Timer {
    func recordInterval(since start: ContinuousClock.Instant) {
        record(duration: ContinuousClock.now - start)
    }
}
