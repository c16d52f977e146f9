import Detect
import Logging
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

    init(store: any VigilStore, cooldownSeconds: Int64, capacity: Int = 1000, logger: Logger) {
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
            logger.error("alert queue full: oldest alerts dropped", metadata: ["dropped": "\(excess)"])
        }
        if let latest { baselines = latest }
        counters.queued = alerts.count
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
                if let alert = alerts.first {
                    if try await store.admitAlert(category: alert.category, at: alert.detectedAt, cooldownSeconds: cooldownSeconds) {
                        try await store.insertAlert(alert)
                        counters.written += 1
                        logger.notice("alert", metadata: [
                            "anomaly_id": "\(alert.anomalyID)", "category": "\(alert.category.rawValue)",
                            "severity": "\(alert.severity.rawValue)", "services": "\(alert.affectedServices.joined(separator: ","))",
                            "description": "\(alert.description)",
                        ])
                    } else {
                        counters.refusedByCooldown += 1
                    }
                    alerts.removeFirst()
                } else if let pending = baselines {
                    baselines = nil
                    try await store.saveBaselines(pending)
                } else if let pending = templates {
                    templates = nil
                    try await store.saveTemplates(pending)
                }
                counters.queued = alerts.count
                pause = .seconds(1)
            } catch {
                counters.writeErrors += 1
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
