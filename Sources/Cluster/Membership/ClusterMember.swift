/// One row of `cluster_members`: an instance as the cluster last heard from it. Times are the
/// database server's clock (milliseconds since the epoch), so members with skewed clocks are
/// judged alike.
public struct ClusterMember: Sendable, Hashable {
    public var instance: String
    public var startedAt: Int64
    /// When its latest flush was stored.
    public var lastFlush: Int64
    /// The newest tick it flushed.
    public var lastTick: Int64
    /// How long after the end of its tick that latest flush was stored: how far behind its
    /// counts arrive (a few hundred milliseconds when healthy).
    public var lagMilliseconds: Int64
    public var tickSeconds: Int64
    /// Its HTTP API address, for operators.
    public var address: String
    /// Set when it left cleanly (SIGTERM); `nil` while it runs or if it vanished.
    public var leftAt: Int64?

    public init(
        instance: String, startedAt: Int64, lastFlush: Int64, lastTick: Int64, lagMilliseconds: Int64, tickSeconds: Int64,
        address: String, leftAt: Int64?
    ) {
        self.instance = instance
        self.startedAt = startedAt
        self.lastFlush = lastFlush
        self.lastTick = lastTick
        self.lagMilliseconds = lagMilliseconds
        self.tickSeconds = tickSeconds
        self.address = address
        self.leftAt = leftAt
    }

    /// Whether it counts toward the sum at server time `now`: it has not left, and flushed within
    /// the member timeout.
    public func isLive(now: Int64, timeoutSeconds: Int64) -> Bool {
        leftAt == nil && now - lastFlush <= timeoutSeconds * 1000
    }
}

/// The membership as read at one moment of the server's clock.
public struct ClusterMembership: Sendable, Hashable {
    public var now: Int64
    public var members: [ClusterMember]

    public init(now: Int64, members: [ClusterMember]) {
        self.now = now
        self.members = members
    }
}
