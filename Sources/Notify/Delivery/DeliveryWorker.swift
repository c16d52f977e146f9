import Detect
import Foundation
import Logging
import Store
import Synchronization

/// Delivers the outbox: claims due rows under a lease (safe with several instances on one
/// database, see ``OutboxStore``), sends each to its target with at most
/// ``NotifyConfiguration/concurrency`` requests in flight, and records the outcome
/// (``DeliveryPolicy``). Nothing here is on the receive or detection path: they only write rows.
///
/// Besides the outbox it keeps the `vigil_notifications_pending` gauge current, prunes finished
/// rows past ``NotifyConfiguration/retention``, and re-sends active alerts to Alertmanager every
/// ``NotifyConfiguration/alertmanagerResend``.
///
/// **Stopping** (``stop()``, or cancellation): no new row is claimed; sends in flight may finish
/// within the grace ``run(grace:)`` is given; those still running are then cancelled and their
/// rows released, due at once — pending for the next start (or another instance). A row whose
/// send was cut short may have reached its target: delivery is at least once, and
/// `X-Vigil-Delivery` lets receivers de-duplicate.
public final class DeliveryWorker: Sendable {
    /// Who holds a claim: host, process and a random part, unique per worker.
    public let owner: String
    let store: any VigilStore
    let configuration: NotifyConfiguration
    let transport: any NotificationTransport
    let formats: NotificationFormats
    let policy: DeliveryPolicy
    let metrics: NotificationMetrics
    let logger: Logger
    /// Milliseconds since the epoch.
    let now: @Sendable () -> Int64
    private let doorbell = Doorbell()
    private let state = Mutex(State())

    private struct State {
        var active: Set<Int64> = []
        var stopping = false
        var refreshing = false
        var nextPendingCheck: Int64 = 0
        var nextPrune: Int64 = 0
        var nextRefresh: Int64 = 0
        var lastClaimErrorLog: Int64?
    }

    /// The gauge is refreshed this often (ms); finished rows are pruned hourly.
    static let pendingCheckInterval: Int64 = 2_000
    static let pruneInterval: Int64 = 3_600_000

    public init(
        store: any VigilStore,
        configuration: NotifyConfiguration,
        transport: any NotificationTransport,
        metrics: NotificationMetrics = NotificationMetrics(),
        logger: Logger = Logger(label: "vigil.notify"),
        now: @escaping @Sendable () -> Int64 = { OutboxClock.milliseconds() }
    ) {
        self.store = store
        self.configuration = configuration
        self.transport = transport
        self.formats = NotificationFormats(configuration: configuration)
        self.policy = DeliveryPolicy(configuration: configuration)
        self.metrics = metrics
        self.logger = logger
        self.now = now
        owner = "\(HostName.current)/\(ProcessInfo.processInfo.processIdentifier)/\(UInt32.random(in: .min ... .max))"
    }

    /// A claim outlives the longest send (the request timeout) with room to record the result;
    /// after it, a crashed instance's rows are claimable again.
    var leaseMilliseconds: Int64 { configuration.timeout.milliseconds + 30_000 }

    /// Sends in flight.
    public var inFlight: Int { state.withLock { $0.active.count } }

    /// Runs until ``stop()`` or cancellation; then gives the sends in flight up to `grace`.
    public func run(grace: Duration) async {
        await withTaskCancellationHandler {
            await withDiscardingTaskGroup { group in
                while true {
                    let (stopping, free) = state.withLock { ($0.stopping, configuration.concurrency - $0.active.count) }
                    if stopping || Task.isCancelled { break }
                    if free > 0 {
                        for delivery in await claim(limit: free) {
                            group.addTask { await self.deliver(delivery) }
                        }
                    }
                    if await maintain() {
                        group.addTask {
                            await self.refreshAlertmanager()
                            self.state.withLock { $0.refreshing = false }
                        }
                    }
                    await doorbell.wait(upTo: configuration.pollInterval)
                }
                let left = inFlight
                if left > 0 {
                    logger.info("notifications: letting sends in flight finish", metadata: ["in_flight": "\(left)", "grace": "\(grace)"])
                    if await !waitUntilIdle(timeout: grace) {
                        logger.warning("notifications: sends still in flight at the end of the grace are cut short and stay pending",
                                       metadata: ["in_flight": "\(inFlight)"])
                    }
                }
                group.cancelAll()
            }
        } onCancel: {
            self.stop()
        }
        await updatePendingGauge()
    }

    /// Stops claiming; ``run(grace:)`` then winds down. Idempotent.
    public func stop() {
        state.withLock { $0.stopping = true }
        doorbell.ring()
    }

    /// Wakes the worker to look at the outbox now (rows were just written).
    public func wake() { doorbell.ring() }

    private func waitUntilIdle(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while inFlight > 0 {
            guard ContinuousClock.now < deadline else { return false }
            do { try await Task.sleep(for: .milliseconds(20)) } catch { return inFlight == 0 }
        }
        return true
    }

    // MARK: Claiming and sending

    private func claim(limit: Int) async -> [Delivery] {
        let current = now()
        do {
            let claimed = try await store.claimDeliveries(owner: owner, now: current, leaseMilliseconds: leaseMilliseconds, limit: limit)
            state.withLock { state in for delivery in claimed { state.active.insert(delivery.id) } }
            return claimed
        } catch {
            // Once a minute at most: the database being down is logged by the store writer too.
            let log = state.withLock { state -> Bool in
                if let last = state.lastClaimErrorLog, current - last < 60_000 { return false }
                state.lastClaimErrorLog = current
                return true
            }
            if log { logger.error("notifications: cannot read the outbox; will retry", metadata: ["error": "\(error)"]) }
            return []
        }
    }

    private func deliver(_ delivery: Delivery) async {
        defer {
            state.withLock { _ = $0.active.remove(delivery.id) }
            doorbell.ring()
        }
        let started = now()
        if policy.isExpired(delivery, now: started) {
            await record(delivery, policy.expired(delivery, now: started))
            return
        }
        let alert: Alert?
        do {
            alert = try await store.alert(anomalyID: delivery.anomalyID)
        } catch {
            logger.warning("notifications: cannot read the alert; the delivery stays pending",
                           metadata: ["anomaly_id": "\(delivery.anomalyID)", "error": "\(error)"])
            await release(delivery)
            return
        }
        guard let alert else {
            await record(delivery, .failed(status: nil, error: "alert \(delivery.anomalyID) is not in the store", at: started))
            return
        }
        let request: OutgoingRequest
        do {
            request = try formats.request(NotificationMessage(delivery: delivery, alert: alert, sentAt: started), to: delivery.target)
        } catch {
            await record(delivery, .failed(status: nil, error: "cannot render the \(delivery.target.kind.rawValue) message: \(error)", at: started))
            return
        }
        let result = await transport.send(request, timeout: configuration.timeout)
        if case .cancelled = result {
            await release(delivery)
            return
        }
        await record(delivery, policy.outcome(of: result, for: delivery, now: now()))
    }

    /// Writes the outcome — in a task of its own, so that a cancelled worker (shutdown) still
    /// records what the target answered.
    private func record(_ delivery: Delivery, _ outcome: DeliveryOutcome) async {
        let store = self.store
        let owner = self.owner
        do {
            let held = try await Task { try await store.recordDelivery(id: delivery.id, owner: owner, outcome) }.value
            if !held {
                logger.warning("notifications: the claim expired before the result was recorded; another attempt may follow",
                               metadata: metadata(delivery))
            }
        } catch {
            logger.error("notifications: cannot record a result; the row is sent again once its claim expires",
                         metadata: metadata(delivery).merging(["error": "\(error)"]) { $1 })
        }
        metrics.outcome(delivery.target.kind, outcome)
        switch outcome {
        case .delivered(let status, let at):
            metrics.latency(milliseconds: at - delivery.createdAt)
            logger.info("notification delivered", metadata: metadata(delivery).merging(["status": "\(status)"]) { $1 })
        case .retry(let status, let error, let at, let next):
            logger.warning("notification not delivered; will retry", metadata: metadata(delivery).merging([
                "status": "\(status.map(String.init) ?? "none")", "error": "\(error)",
                "retry_in": "\(Double(next - at) / 1000) s",
            ]) { $1 })
        case .failed(let status, let error, _):
            logger.error("notification given up", metadata: metadata(delivery).merging([
                "status": "\(status.map(String.init) ?? "none")", "error": "\(error)",
            ]) { $1 })
        }
    }

    private func release(_ delivery: Delivery) async {
        let store = self.store
        let owner = self.owner
        try? await Task { try await store.releaseDeliveries(ids: [delivery.id], owner: owner) }.value
    }

    private func metadata(_ delivery: Delivery) -> Logger.Metadata {
        [
            "target": "\(delivery.target.kind.rawValue) \(delivery.target.redactedURL)",
            "event": "\(delivery.event.rawValue)", "anomaly_id": "\(delivery.anomalyID)",
            "delivery": "\(delivery.deliveryID)", "attempt": "\(delivery.attempts)",
        ]
    }

    // MARK: Upkeep

    /// The gauge and pruning, when due; returns whether an Alertmanager refresh is due (and marks
    /// it running).
    private func maintain() async -> Bool {
        let current = now()
        let (checkPending, prune, refresh) = state.withLock { state -> (Bool, Bool, Bool) in
            let checkPending = current >= state.nextPendingCheck
            if checkPending { state.nextPendingCheck = current + Self.pendingCheckInterval }
            let prune = current >= state.nextPrune
            if prune { state.nextPrune = current + Self.pruneInterval }
            let refresh = !state.refreshing && current >= state.nextRefresh
                && configuration.targets.contains { $0.kind == .alertmanager }
            if refresh {
                state.refreshing = true
                state.nextRefresh = current + configuration.alertmanagerResend.milliseconds
            }
            return (checkPending, prune, refresh)
        }
        if checkPending { await updatePendingGauge() }
        if prune {
            do {
                let pruned = try await store.pruneDeliveries(finishedBefore: current - configuration.retention.milliseconds)
                if pruned > 0 { logger.info("notifications: finished outbox rows pruned", metadata: ["rows": "\(pruned)"]) }
            } catch {
                logger.warning("notifications: cannot prune the outbox", metadata: ["error": "\(error)"])
            }
        }
        return refresh
    }

    private func updatePendingGauge() async {
        if let pending = try? await store.pendingDeliveryCount() { metrics.pending(pending) }
    }

    /// Re-sends every active alert (detected within `alertmanager_resolve_after`, admitted by
    /// the Alertmanager filter) to each Alertmanager, current annotations included: Alertmanager
    /// keeps alerts in memory only, and expects clients to repeat them while they fire.
    func refreshAlertmanager() async {
        let targets = configuration.targets.filter { $0.kind == .alertmanager }
        let current = now()
        let seconds = current / 1000
        let alerts: [Alert]
        do {
            alerts = try await store.recentAlerts(AlertQuery(limit: 1000, since: seconds - configuration.alertmanagerResolveAfter.milliseconds / 1000))
        } catch {
            return
        }
        let filter = configuration.filter(for: .alertmanager)
        let messages = alerts.filter(filter.admits).map { alert in
            let event: NotificationEvent = alert.analysisSource == Alert.pendingAnalysis ? .created : .analyzed
            return NotificationMessage(alert: alert, event: event.rawValue, deliveryID: Delivery.deliveryID(anomalyID: alert.anomalyID, event: event), sentAt: current)
        }.filter { formats.alertmanager.isActive($0, now: seconds) }
        guard !messages.isEmpty else { return }
        for target in targets {
            guard let request = try? formats.alertmanager.request(messages, to: target.url) else { continue }
            let result = await transport.send(request, timeout: configuration.timeout)
            if case .answered(let status, _, _) = result, (200...299).contains(status) {
                metrics.refresh(delivered: true)
            } else if result != .cancelled {
                metrics.refresh(delivered: false)
                logger.debug("notifications: Alertmanager refresh failed", metadata: [
                    "target": "\(target.redactedURL)", "result": "\(result)",
                ])
            }
        }
    }
}
