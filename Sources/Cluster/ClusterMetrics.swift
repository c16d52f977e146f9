import Metrics

/// The cluster's swift-metrics instruments (exported by the Prometheus factory `vigil serve`
/// bootstraps; no-ops when nothing is bootstrapped, as in unit tests).
struct ClusterMetrics: Sendable {
    /// 1 on the leader, 0 on a follower.
    let leader = Gauge(label: "vigil_cluster_leader")
    /// Live members (flushed within `cluster.member_timeout`), this instance included.
    let members = Gauge(label: "vigil_cluster_members")
    /// One tick's flush (one statement).
    let flushDuration = Metrics.Timer(label: "vigil_cluster_flush_seconds")
    let flushErrors = Counter(label: "vigil_cluster_flush_errors_total")
    /// Ticks counted here but not yet flushed (the database was unreachable).
    let pendingTicks = Gauge(label: "vigil_cluster_pending_ticks")
    /// Ticks never flushed: older than the window when the database came back.
    let ticksLost = Counter(label: "vigil_cluster_ticks_lost_total")
    /// The leader's reading and summing of a tick's counts (after the wait for the members' flushes).
    let sumDuration = Metrics.Timer(label: "vigil_cluster_sum_seconds")
    let elections = Counter(label: "vigil_cluster_leader_elections_total")
    /// Template occurrences whose id no instance announced (not judged).
    let unresolvedTemplates = Gauge(label: "vigil_cluster_unresolved_template_occurrences")
}
