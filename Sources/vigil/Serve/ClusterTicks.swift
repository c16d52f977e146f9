import API
import Cluster
import Detect
import Foundation
import Ingest
import Logging
import Store
import Synchronization

/// A cluster member's ticks (the database is PostgreSQL: this instance is a member of the cluster
/// of every `vigil serve` on that database, ``ClusterNode``). At every boundary it hands the node
/// this instance's counts of the tick just ended, which flushes them. The leader gets back every
/// live member's counts summed — the ticks ``LiveDetection`` judges exactly as a single instance
/// judges its shards' — and, when just elected, the state to start from: the baselines and
/// unresolved alerts the previous leader stored, and the time the cluster's counts cover.
/// Followers are handed nothing to judge; alerts, baselines and templates are written by the
/// leader alone.
///
/// `/services` and the baselines are read from the database, so every member answers the same.
/// Every member adds its own counts to the per-minute history (its rows sum), so the history is
/// the cluster's too.
final class ClusterTicks: TickSource {
    private let node: ClusterNode
    private let shards: ShardSet
    private let store: any VigilStore
    private let configuration: DetectionConfiguration
    private let logger: Logger
    /// The stored baselines a follower shows, re-read once per shortest window.
    private let storedBaselines = Mutex<(window: Int64, baselines: [Baseline])?>(nil)

    init(node: ClusterNode, shards: ShardSet, store: any VigilStore, configuration: DetectionConfiguration, logger: Logger) {
        self.node = node
        self.shards = shards
        self.store = store
        self.configuration = configuration
        self.logger = logger
    }

    private var local: @Sendable (Int64) -> InstanceTick {
        { [shards] tick in
            InstanceTick(tick: tick, services: shards.serviceCounts(atTick: tick), templates: shards.templateCounts(atTick: tick))
        }
    }

    func feed(at boundary: Int64, observed: Int64?) async -> TickFeed {
        // Every member, leader or not, once per longest window: the leader stores the cluster's
        // templates itself, so nothing else would forget the shards' evicted ones.
        if boundary % configuration.longestWindow == 0 {
            shards.pruneTemplates(notSeenSince: boundary - configuration.longestWindow)
        }
        switch await node.step(boundary: boundary, local: local) {
        case .follower:
            return .follow(templates: shards.templateWindow(endingAtTick: boundary / configuration.tickSeconds - 1))
        case .stalled:
            return .skip
        case .leader(let input):
            var start: DetectionStart?
            if input.elected {
                let observedSince = input.observedSince ?? boundary
                do {
                    start = try await Deadline.run(seconds: max(2, Double(configuration.tickSeconds))) {
                        [store, configuration] in
                        DetectionStart(
                            baselines: try await store.loadBaselines(windows: configuration.windows),
                            unresolved: try await store.unresolvedAlertKeys(), observedSince: observedSince)
                    }
                } catch {
                    logger.error("cluster: cannot load the detection state; this tick is not judged", metadata: ["error": "\(error)"])
                    await node.redeliverWindow()
                    return .skip
                }
                logger.info("cluster: judging the cluster's counts", metadata: [
                    "observed_since": "\(observedSince)", "baselines": "\(start?.baselines.count ?? 0)",
                    "unresolved_alert_keys": "\(start?.unresolved.count ?? 0)",
                ])
            }
            return .judge(TickBatch(ticks: input.ticks.map { ($0.tick, $0.services) }, templates: input.templates, start: start))
        }
    }

    /// The running tick's counts are flushed as the member leaves (``close(at:)``): the leader
    /// that follows judges them with the other members'.
    func finish(at boundary: Int64, observed: Int64?) async -> TickFeed { .skip }

    func close(at now: Int64) async {
        await node.leave(now: now, local: local)
    }

    /// The leader saves the cluster's templates itself (``ClusterNode``), in the cluster's ids.
    func templatesToStore(pruneBefore: Int64?) -> [PersistentTemplate]? { nil }

    /// The cluster's counts up to the last flushed tick; `nil` (the local counts) when the
    /// database does not answer.
    func activity(endingAtTick lastTick: Int64) async -> [ServiceActivity]? {
        guard let rows = try? await node.activity(endingAtTick: lastTick - 1) else { return nil }
        return rows.map { ServiceActivity(service: $0.service, counts: $0.counts, lastSeenTick: $0.lastSeenTick) }
    }

    /// The leader's baselines as stored, read once per shortest window — two ticks after it
    /// ends, when the leader has written what it learned. The read is bounded (the tick loop must
    /// keep flushing while the database is away); when it fails the last ones read stay, until
    /// the next window.
    func baselinesJudgedElsewhere(at boundary: Int64) async -> [Baseline] {
        let shortest = configuration.windows.first ?? configuration.longestWindow
        let window = (boundary - 2 * configuration.tickSeconds) / shortest
        let cached = storedBaselines.withLock { $0 }
        if let cached, cached.window == window { return cached.baselines }
        let read = try? await Deadline.run(seconds: min(5, max(1, Double(configuration.tickSeconds) / 2))) {
            [store, configuration] in try await store.loadBaselines(windows: configuration.windows)
        }
        let baselines = read ?? cached?.baselines ?? []
        storedBaselines.withLock { $0 = (window, baselines) }
        return baselines
    }
}

/// `/health`'s cluster section from the node's latest tick.
struct ClusterHealthReport: ClusterHealthSource {
    let node: ClusterNode

    func clusterHealth() -> ClusterHealth {
        let status = node.status
        func member(_ member: ClusterMember) -> ClusterHealth.Member {
            .init(instance: member.instance, lastFlushMilliseconds: member.lastFlush,
                  lagMilliseconds: member.lagMilliseconds)
        }
        return ClusterHealth(
            role: status.role.rawValue, instance: status.instance, members: status.members.map(member),
            dropped: status.dropped.map(member), problem: status.problem)
    }
}
