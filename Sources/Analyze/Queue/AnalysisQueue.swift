import Detect
import Logging
import Store
import Synchronization

/// Analyses alerts off the hot path: ``submit(_:)`` never waits, a bounded number of analyses
/// run at once, and each result is written to the store (`updateAnalysis`) — the alert itself
/// was stored before, as "pending".
///
/// Two lanes:
/// - the primary lane feeds the configured analyzer (Claude, or offline without a key) with at
///   most ``concurrency`` alerts at once and ``capacity`` waiting. When it is full, the oldest
///   waiting alert moves to the overflow lane — counted in `vigil_analysis_dropped_total` —
///   and the new one takes its place: fresh alerts matter most during an incident;
/// - the overflow lane gets the offline analysis (instant, deterministic), written by one task
///   of its own so that it never waits behind slow Claude calls.
///
/// Lifecycle: ``run()`` runs the workers until ``shutdown(reason:)`` (or cancellation of the
/// task running it); ``waitUntilIdle(timeout:)`` waits, bounded, for everything submitted to be
/// recorded. At shutdown nothing is left "pending": waiting alerts and those whose Claude call is
/// cut short get the offline analysis, with the reason as `analysis_error`.
public final class AnalysisQueue: Sendable {
    /// Called once per alert, after its analysis was recorded (or the store refused it), with the
    /// alert as it now is. Runs on a worker: keep it short.
    public typealias Finished = @Sendable (Alert) -> Void
    /// The outbox rows announcing an analysed alert (`alert.analyzed` per target), written in the
    /// analysis' own transaction. Given the alert with its analysis applied.
    public typealias Announce = @Sendable (Alert) -> [OutboxEntry]

    public let capacity: Int
    public let concurrency: Int
    private let analyzer: any AlertAnalyzer
    private let offline: OfflineAnalyzer
    private let store: any VigilStore
    private let onFinished: Finished
    private let announce: Announce
    private let metrics: AnalysisMetrics
    private let logger: Logger
    /// An alert's analysis must be done this long after it was submitted (queue wait included);
    /// what is not gets the offline analysis. `nil`: no bound beyond the analyzer's own.
    private let deadline: Duration?
    private let state = Mutex(State())

    /// Overflow lane bound, as a multiple of ``capacity``: beyond it (a store that stopped
    /// answering) the oldest overflow analysis is abandoned, logged and counted, and its alert
    /// stays "pending".
    static let overflowFactor = 16

    public init(
        analyzer: any AlertAnalyzer,
        store: any VigilStore,
        capacity: Int = 64,
        concurrency: Int = 2,
        offline: OfflineAnalyzer = OfflineAnalyzer(),
        metrics: AnalysisMetrics = AnalysisMetrics(),
        logger: Logger = Logger(label: "vigil.analysis"),
        deadline: Duration? = nil,
        onFinished: @escaping Finished = { _ in },
        announce: @escaping Announce = { _ in [] }
    ) {
        self.announce = announce
        self.deadline = deadline
        self.analyzer = analyzer
        self.metrics = metrics
        self.store = store
        self.capacity = max(1, capacity)
        self.concurrency = max(1, concurrency)
        self.offline = offline
        self.logger = logger
        self.onFinished = onFinished
    }

    /// The queue `configuration` describes: Claude when it has an API key, offline otherwise.
    /// Call ``run()``: it owns the analyzer's HTTP client and shuts it down when it returns.
    public static func make(
        configuration: AnalyzerConfiguration,
        store: any VigilStore,
        metrics: AnalysisMetrics = AnalysisMetrics(),
        logger: Logger = Logger(label: "vigil.analysis"),
        onFinished: @escaping Finished = { _ in },
        announce: @escaping Announce = { _ in [] }
    ) -> AnalysisQueue {
        let analyzer: any AlertAnalyzer =
            configuration.usesClaude
            ? ClaudeAnalyzer(
                client: MessagesClient(configuration: configuration, metrics: metrics, logger: logger),
                prompt: AnalysisPrompt(sampleBudget: configuration.sampleBudget),
                logger: logger
            )
            : OfflineAnalyzer()
        return AnalysisQueue(
            analyzer: analyzer, store: store, capacity: configuration.queueCapacity,
            concurrency: configuration.concurrency, metrics: metrics, logger: logger,
            deadline: configuration.usesClaude ? configuration.totalTimeout : nil, onFinished: onFinished, announce: announce
        )
    }

    // MARK: Submitting

    /// Queues `alert` (already stored) for analysis. Never suspends or blocks; returns `false`
    /// only after shutdown, when the alert keeps its "pending" analysis.
    @discardableResult
    public func submit(_ alert: Alert) -> Bool {
        let (accepted, wake) = state.withLock { state -> (Bool, Wake?) in
            guard !state.closed else { return (false, nil) }
            state.submitted += 1
            if let waiter = state.primary.waiters.popLast() {
                state.inFlight += 1
                return (true, Wake(continuation: waiter, job: Job(alert: alert, reason: nil)))
            }
            var wake: Wake?
            if state.primary.items.count >= capacity {
                let oldest = state.primary.items.removeFirst()
                state.dropped += 1
                metrics.dropped()
                wake = state.pushOverflow(oldest, limit: capacity * Self.overflowFactor, logger: logger)
            }
            state.primary.items.append(Job(alert: alert, reason: nil))
            metrics.queueDepth(state.primary.items.count)
            return (true, wake)
        }
        wake?.resume()
        if !accepted { logger.warning("analysis queue shut down: \(alert.anomalyID) keeps its pending analysis") }
        return accepted
    }

    // MARK: Running

    /// Runs the analysis workers until ``shutdown(reason:)``; then finishes what is left (offline)
    /// and releases the analyzer. Cancelling the task running it shuts down as well.
    public func run() async {
        await withTaskCancellationHandler {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<concurrency { group.addTask { await self.primaryWorker() } }
                group.addTask { await self.overflowWorker() }
            }
        } onCancel: {
            self.shutdown(reason: "analysis cancelled at shutdown")
        }
        await analyzer.shutdown()
    }

    /// Stops taking alerts; alerts still waiting get the offline analysis, in-flight Claude calls
    /// are cancelled and get it too, each with `reason` as `analysis_error`. ``run()`` returns once
    /// they are recorded. Idempotent.
    public func shutdown(reason: String = "analysis stopped at shutdown") {
        let (wakes, running) = state.withLock { state -> ([Wake], [Task<AlertAnalysis, Never>]) in
            guard !state.closed else { return ([], []) }
            state.closed = true
            state.closeReason = reason
            // Waiting alerts move to the overflow lane (no bound: they are few and it is the end).
            for job in state.primary.items { state.overflow.items.append(Job(alert: job.alert, reason: reason, submittedAt: job.submittedAt)) }
            state.primary.items.removeAll()
            metrics.queueDepth(0)
            var wakes = state.primary.waiters.map { Wake(continuation: $0, job: nil) }
            state.primary.waiters.removeAll()
            if let waiter = state.overflow.waiters.popLast() {
                if state.overflow.items.isEmpty {
                    wakes.append(Wake(continuation: waiter, job: nil))
                } else {
                    state.inFlight += 1
                    wakes.append(Wake(continuation: waiter, job: state.overflow.items.removeFirst()))
                }
            }
            return (wakes, Array(state.running.values))
        }
        for wake in wakes { wake.resume() }
        for task in running { task.cancel() }
    }

    /// Waits until every submitted alert has been analysed and recorded, or `timeout` passes.
    /// Returns whether the queue is idle. Polls (every 10 ms): it is for the end of a replay and
    /// for tests, not for a hot path.
    @discardableResult
    public func waitUntilIdle(timeout: Duration) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            if isIdle { return true }
            guard clock.now < deadline else { return false }
            do {
                try await Task.sleep(for: min(.milliseconds(10), clock.now.duration(to: deadline)))
            } catch {
                return isIdle
            }
        }
    }

    /// Alerts waiting for analysis or being analysed (for `/health`).
    public var backlog: Int {
        state.withLock { $0.primary.items.count + $0.overflow.items.count + $0.inFlight }
    }

    /// Nothing waiting and nothing in flight.
    public var isIdle: Bool {
        state.withLock { $0.primary.items.isEmpty && $0.overflow.items.isEmpty && $0.inFlight == 0 }
    }

    /// Counts since start, for tests and reports.
    public var counts: Counts {
        state.withLock { Counts(submitted: $0.submitted, finished: $0.finished, dropped: $0.dropped, abandoned: $0.abandoned) }
    }

    public struct Counts: Sendable, Hashable {
        public var submitted: Int
        /// Analyses recorded (or refused by the store) and reported to `onFinished`.
        public var finished: Int
        /// Alerts the full primary lane sent to the offline analyzer.
        public var dropped: Int
        /// Overflow analyses discarded because even the overflow lane was full.
        public var abandoned: Int

        public init(submitted: Int, finished: Int, dropped: Int, abandoned: Int) {
            self.submitted = submitted
            self.finished = finished
            self.dropped = dropped
            self.abandoned = abandoned
        }
    }

    // MARK: Workers

    private func primaryWorker() async {
        while let job = await next(.primary) {
            let alert = job.alert
            let id = state.withLock { state -> Int in
                state.nextTaskID += 1
                return state.nextTaskID
            }
            // A task of its own, so shutdown can cancel the Claude call without cancelling this
            // worker's store write.
            let analyzer = self.analyzer
            let incident = await incident(of: alert)
            if let deadline, job.submittedAt + deadline <= .now {
                // Waited in the queue through its whole deadline: the offline analysis, now.
                var analysis = offline.analysis(of: alert, incident: incident)
                analysis.error = "waited in the analysis queue past the \(deadline.seconds) s deadline: offline summary instead"
                state.withLock { $0.dropped += 1 }
                metrics.dropped()
                await record(alert, analysis)
                continue
            }
            let task = Task {
                await analyzer.analyze(alert, incident: incident, deadline: deadline.map { job.submittedAt + $0 })
            }
            let reason = state.withLock { state -> String? in
                state.running[id] = task
                return state.closed ? state.closeReason : nil
            }
            if reason != nil { task.cancel() }
            var analysis = await task.value
            let cutShort = state.withLock { state -> String? in
                state.running[id] = nil
                return task.isCancelled ? state.closeReason : nil
            }
            if let cutShort, analysis.source != AlertAnalysis.claudeSource {
                let latency = analysis.latencyMilliseconds
                analysis = offline.analysis(of: alert, incident: incident)
                analysis.error = cutShort
                analysis.latencyMilliseconds = latency
            }
            await record(alert, analysis)
        }
    }

    private func overflowWorker() async {
        while let job = await next(.overflow) {
            var analysis = offline.analysis(of: job.alert, incident: await incident(of: job.alert))
            analysis.error = job.reason ?? "analysis queue full: offline summary instead"
            await record(job.alert, analysis)
        }
    }

    /// The alert's incident as the store has it now (its alerts so far), for the analysis to
    /// consider them together; `nil` without one, or when the store cannot say (the analysis
    /// then covers the alert alone, and the failure is logged).
    private func incident(of alert: Alert) async -> Incident? {
        guard let id = alert.incidentID else { return nil }
        do {
            let store = self.store
            return try await Task { try await store.incident(id: id) }.value
        } catch {
            logger.warning("cannot read incident \(id) for the analysis of \(alert.anomalyID): \(error)")
            return nil
        }
    }

    private func record(_ alert: Alert, _ analysis: AlertAnalysis) async {
        do {
            // Unstructured, so that it does not inherit a cancellation of ``run()``: the write is
            // what shutting down is waiting for.
            let store = self.store
            let entries = announce(alert.applying(analysis))
            try await Task { try await store.updateAnalysis(anomalyID: alert.anomalyID, analysis, notifying: entries) }.value
            metrics.result(source: analysis.source)
        } catch {
            metrics.storeFailure()
            logger.error("cannot record the analysis of \(alert.anomalyID): \(error)")
        }
        state.withLock { state in
            state.inFlight -= 1
            state.finished += 1
        }
        onFinished(alert.applying(analysis))
    }

    /// The lane's next job, suspending while it is empty; `nil` once shut down and drained.
    private func next(_ lane: LaneName) async -> Job? {
        await withCheckedContinuation { (continuation: CheckedContinuation<Job?, Never>) in
            let wake = state.withLock { state -> Wake? in
                if !state[lane].items.isEmpty {
                    state.inFlight += 1
                    let job = state[lane].items.removeFirst()
                    if lane == .primary { metrics.queueDepth(state.primary.items.count) }
                    return Wake(continuation: continuation, job: job)
                }
                if state.closed { return Wake(continuation: continuation, job: nil) }
                state[lane].waiters.append(continuation)
                return nil
            }
            wake?.resume()
        }
    }

    // MARK: State

    struct Job: Sendable {
        var alert: Alert
        /// Set for jobs moved to the overflow lane at shutdown: the `analysis_error` to record.
        var reason: String?
        var submittedAt = ContinuousClock.now
    }

    struct Lane {
        var items: [Job] = []
        var waiters: [CheckedContinuation<Job?, Never>] = []
    }

    enum LaneName { case primary, overflow }

    struct Wake {
        var continuation: CheckedContinuation<Job?, Never>
        var job: Job?
        func resume() { continuation.resume(returning: job) }
    }

    struct State {
        var primary = Lane()
        var overflow = Lane()
        var inFlight = 0
        var closed = false
        var closeReason = ""
        var running: [Int: Task<AlertAnalysis, Never>] = [:]
        var nextTaskID = 0
        var submitted = 0
        var finished = 0
        var dropped = 0
        var abandoned = 0

        subscript(_ lane: LaneName) -> Lane {
            get { lane == .primary ? primary : overflow }
            set {
                if lane == .primary { primary = newValue } else { overflow = newValue }
            }
        }

        /// Hands `job` to an idle overflow worker, or queues it (bounded).
        mutating func pushOverflow(_ job: Job, limit: Int, logger: Logger) -> Wake? {
            if let waiter = overflow.waiters.popLast() {
                inFlight += 1
                return Wake(continuation: waiter, job: job)
            }
            if overflow.items.count >= limit {
                let lost = overflow.items.removeFirst()
                abandoned += 1
                logger.error("analysis overflow full: \(lost.alert.anomalyID) keeps its pending analysis")
            }
            overflow.items.append(job)
            return nil
        }
    }
}
