/// How one `vigil serve` takes part in a cluster: every instance whose database is the same
/// PostgreSQL database is a member; nothing else needs configuring.
public struct ClusterConfiguration: Sendable, Hashable {
    /// This instance's name, unique among the live members (default: host name and port).
    public var instanceName: String
    /// Detection's tick: counts are flushed once per tick; every member must use the same one.
    public var tickSeconds: Int64
    /// Detection's longest window: how many past ticks a new leader reads to resume judging.
    public var windowSeconds: Int64
    /// A member silent this long is dropped from the sum (the leader stops waiting for it).
    public var memberTimeoutSeconds: Int64
    /// Count rows older than this are pruned by the leader.
    public var retentionSeconds: Int64
    /// After a tick boundary, how long the leader waits at most for the live members' flushes of
    /// that tick before judging without the late ones (their counts are taken up on a later tick).
    public var flushGraceSeconds: Double
    /// What operators see in `cluster_members.address` (the HTTP API address).
    public var address: String

    public init(
        instanceName: String, tickSeconds: Int64 = 10, windowSeconds: Int64 = 300, memberTimeoutSeconds: Int64 = 30,
        retentionSeconds: Int64 = 900, flushGraceSeconds: Double? = nil, address: String = ""
    ) {
        self.instanceName = instanceName
        self.tickSeconds = max(1, tickSeconds)
        self.windowSeconds = max(self.tickSeconds, windowSeconds)
        self.memberTimeoutSeconds = max(1, memberTimeoutSeconds)
        self.retentionSeconds = max(self.windowSeconds + 2 * self.tickSeconds, retentionSeconds)
        // Half a tick, at most 2 s: flushes normally land within a few hundred milliseconds.
        self.flushGraceSeconds = flushGraceSeconds ?? min(2, Double(self.tickSeconds) / 2)
        self.address = address
    }

    /// Ticks in the longest window.
    public var ticksPerWindow: Int64 { windowSeconds / tickSeconds }

    /// The default instance name: the host name and a port that tells instances on one host apart.
    public static func defaultInstanceName(hostName: String, port: Int) -> String {
        "\(hostName):\(port)"
    }
}
