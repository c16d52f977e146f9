import API
import Cluster
import Detect
import Foundation
import History
import Ingest
import Logging
import Metrics
import Store
import Synchronization

/// Detection when the database is PostgreSQL: this instance is a member of the cluster of every
/// `vigil serve` on that database (``ClusterNode``). At every tick boundary it hands the node the
/// counts of the tick just ended, which flushes them; the leader gets back the counts of every
/// instance summed and judges them with the same ``Detector`` a single instance uses, writing
/// alerts and baselines once for the whole cluster. Followers count and flush only.
///
/// `/services` and the baselines are read from the database, so every member answers the same.
/// Every member adds its own counts to the per-minute history (its rows sum), so the history is
/// the cluster's too.
final class ClusterDetection: DetectionState {
    private let node: ClusterNode
    private let shards: ShardSet
    private let writer: AlertWriter
    private let store: any VigilStore
    private let configuration: DetectionConfiguration
    private let logger: Logger
    private let history: HistoryRecorder?
    /// The cluster's templates of the latest tick (the leader's), for `/services/{name}/templates`.
    private let latestTemplates = Mutex<TemplateWindow?>(nil)
    /// The store's baselines, read at most once per tick for `/services`.
    private let cachedBaselines = Mutex<(tick: Int64, baselines: [Baseline])?>(nil)
    private let ticks = Counter(label: "vigil_detection_ticks_total")
    private let proposed = Counter(label: "vigil_alerts_proposed_total")
    /// After a tick boundary, how long to wait before reading the tick: receive threads hand
    /// batches to the shards every 2 ms at most, so a message received just before the boundary
    /// is counted by then.
    static let settle: Double = 0.2

    init(
        node: ClusterNode, shards: ShardSet, writer: AlertWriter, store: any VigilStore, configuration: DetectionConfiguration,
        history: HistoryRecorder?, logger: Logger
    ) {
        self.node = node
        self.history = history
        self.shards = shards
        self.writer = writer
        self.store = store
        self.configuration = configuration
        self.logger = logger
    }

    /// Ticks until the task is cancelled, then leaves the cluster: flushes the tick now running
    /// (the shards have drained by then) and, on the leader, hands the baselines to the writer.
    func run() async {
        var judge: ClusterJudge?
        let local: @Sendable (Int64) -> InstanceTick = { [shards] tick in
            InstanceTick(tick: tick, services: shards.serviceCounts(ticks: tick...tick), templates: shards.templateCounts(atTick: tick))
        }
        while !Task.isCancelled {
            let next = (WallClock().secondsSinceEpoch / configuration.tickSeconds + 1) * configuration.tickSeconds
            do {
                try await Task.sleep(for: .seconds(Double(next) + Self.settle - WallClock().secondsSinceEpochDouble))
            } catch {
                break  // cancelled: shutting down
            }
            let step = await node.step(boundary: next, local: local)
            history?.tickEnded(next / configuration.tickSeconds - 1, baselines: await baselines())
            switch step {
            case .follower:
                judge = nil
                latestTemplates.withLock { $0 = nil }
            case .stalled:
                continue
            case .leader(let input):
                latestTemplates.withLock { $0 = input.templates }
                if input.elected || judge == nil {
                    do {
                        let resumed = try await ClusterJudge.resume(
                            store: store, configuration: configuration, observedSince: input.observedSince ?? next)
                        judge = resumed
                        logger.info("cluster: judging the cluster's counts", metadata: [
                            "observed_since": "\(input.observedSince ?? next)", "baselines": "\(resumed.baselines.count)",
                        ])
                    } catch {
                        logger.error("cluster: cannot load the baselines; this tick is not judged", metadata: ["error": "\(error)"])
                        continue
                    }
                }
                guard var current = judge else { continue }
                let learned = current.lastCompletedWindowEnd
                let alerts = current.judge(input, at: next)
                judge = current
                ticks.increment()
                proposed.increment(by: alerts.count)
                let windowCompleted = current.lastCompletedWindowEnd != learned
                if !alerts.isEmpty || windowCompleted {
                    await writer.submit(alerts: alerts, baselines: windowCompleted ? current.baselines : nil)
                }
            }
        }
        if let judge { await writer.submit(alerts: [], baselines: judge.baselines) }
        let now = WallClock().secondsSinceEpoch
        history?.finish(throughTick: now / configuration.tickSeconds, baselines: await baselines())
        await node.leave(now: now, local: local)
    }

    // MARK: DetectionState (for the HTTP API)

    func baselines() async -> [Baseline] {
        let tick = WallClock().secondsSinceEpoch / configuration.tickSeconds
        if let cached = cachedBaselines.withLock({ $0 }), cached.tick == tick { return cached.baselines }
        guard let baselines = try? await store.loadBaselines(windowSeconds: configuration.windowSeconds) else {
            return cachedBaselines.withLock { $0?.baselines ?? [] }
        }
        cachedBaselines.withLock { $0 = (tick, baselines) }
        return baselines
    }

    /// The cluster's counts up to the last flushed tick; `nil` (the local counts) when the
    /// database does not answer.
    func activity(endingAtTick lastTick: Int64) async -> [ServiceActivity]? {
        guard let rows = try? await node.activity(endingAtTick: lastTick - 1) else { return nil }
        return rows.map { ServiceActivity(service: $0.service, counts: $0.counts, lastSeenTick: $0.lastSeenTick) }
    }

    func pendingAlerts() async -> Int { await writer.snapshot.queued }

    func pendingAnalyses() async -> Int { writer.analysis?.backlog ?? 0 }

    /// The cluster's templates on the leader; on a follower, those of its own share.
    func templateWindow() async -> TemplateWindow {
        if let window = latestTemplates.withLock({ $0 }) { return window }
        return shards.templateWindow(endingAtTick: WallClock().secondsSinceEpoch / configuration.tickSeconds - 1)
    }
}

/// `/health`'s cluster section from the node's latest tick.
struct ClusterHealthReport: ClusterHealthSource {
    let node: ClusterNode

    func clusterHealth() -> ClusterHealth {
        let status = node.status
        func member(_ member: ClusterMember) -> ClusterHealth.Member {
            .init(instance: member.instance, lastFlush: Date(timeIntervalSince1970: Double(member.lastFlush) / 1000),
                  lagMilliseconds: member.lagMilliseconds)
        }
        return ClusterHealth(
            role: status.role.rawValue, instance: status.instance, members: status.members.map(member),
            dropped: status.dropped.map(member), problem: status.problem)
    }
}
