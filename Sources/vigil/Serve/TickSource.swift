import API
import Detect
import Ingest
import Store

/// Where live detection's whole ticks come from — the one thing a single instance and a cluster
/// member do differently (``LiveDetection`` is the same code for both):
/// - ``ShardTicks``: this process's shards; it always judges;
/// - ``ClusterTicks``: at every tick this member flushes its own counts to the cluster, and only
///   the leader is handed ticks to judge — every live member's counts of them, summed.
protocol TickSource: Sendable {
    /// At the tick boundary `boundary` (seconds): what detection does. `observed` is the newest
    /// tick the current detector has been given (`nil`: none yet).
    func feed(at boundary: Int64, observed: Int64?) async -> TickFeed
    /// At shutdown, after the shards have drained; `boundary` ends the tick still running. A single
    /// instance judges that tick early; a cluster member has nothing more to judge.
    func finish(at boundary: Int64, observed: Int64?) async -> TickFeed
    /// After detection's last output is written: a cluster member flushes the running tick and
    /// leaves the cluster (a follower takes over on its next tick).
    func close(at now: Int64) async
    /// The templates the alert writer stores when a window completes (older than `pruneBefore`
    /// forgotten) and at shutdown (`nil`); `nil`: the source stores them itself.
    func templatesToStore(pruneBefore: Int64?) -> [PersistentTemplate]?
    /// `/services`' counts when they are not this process's own; `nil`: the local shards'.
    func activity(endingAtTick lastTick: Int64) async -> [ServiceActivity]?
    /// The baselines in force while this process does not judge (a follower: the leader's, as
    /// stored), for `/services` and the per-minute history.
    func baselinesJudgedElsewhere(at boundary: Int64) async -> [Baseline]
}

/// What live detection does at one tick boundary.
enum TickFeed: Sendable {
    /// Give the detector these ticks, then judge the boundary.
    case judge(TickBatch)
    /// Another process judges (this one is a follower): detection keeps no state of its own —
    /// the leader's is in the database. `templates`: this process's share, for `/services/{name}/templates`.
    case follow(templates: TemplateWindow)
    /// Nothing can be judged now (the cluster's counts could not be read); the detector keeps its state.
    case skip
}

/// The ticks one boundary hands the detector.
struct TickBatch: Sendable {
    /// Oldest first; each tick's per-service counts replace what the detector knew of that tick
    /// (services not listed counted nothing in it).
    var ticks: [(tick: Int64, counts: [(service: String, counts: SeverityCounts)])]
    /// The templates' side of the window ending with the last tick.
    var templates: TemplateWindow
    /// Set when detection starts afresh from the store's state (a member elected leader).
    var start: DetectionStart?
}

/// The stored state a detector starts from: at start-up, or when a member becomes the leader.
struct DetectionStart: Sendable {
    var baselines: [Baseline]
    /// Keys of alerts still unresolved in the store: this detector resolves them too.
    var unresolved: [AlertKey]
    /// Start (seconds) of the time the counts cover; `nil`: from the first boundary judged.
    var observedSince: Int64?
}
