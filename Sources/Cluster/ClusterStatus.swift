/// What `/health` shows of the cluster, as of this instance's latest tick (no database read per
/// request).
public struct ClusterStatus: Sendable, Hashable {
    public enum Role: String, Sendable, Hashable {
        case leader, follower
    }

    public var role: Role
    public var instance: String
    /// The members whose counts make up the sum: flushed within the member timeout.
    public var members: [ClusterMember]
    /// Members no longer in the sum: silent past the member timeout, or left cleanly.
    public var dropped: [ClusterMember]
    /// The database server's clock when the membership was read (ms since the epoch).
    public var readAt: Int64
    /// Why the lock session or the membership read failed on the latest tick, if it did.
    public var problem: String?

    public init(
        role: Role, instance: String, members: [ClusterMember] = [], dropped: [ClusterMember] = [], readAt: Int64 = 0,
        problem: String? = nil
    ) {
        self.role = role
        self.instance = instance
        self.members = members
        self.dropped = dropped
        self.readAt = readAt
        self.problem = problem
    }
}
