import Foundation
import Syslog

/// The cluster's part of `/health`, as the executable's cluster node reports it (the API knows
/// nothing of how the cluster works; a test plugs in a fixed one).
public protocol ClusterHealthSource: Sendable {
    func clusterHealth() -> ClusterHealth
}

/// `"cluster":{"role","instance","members":[{"instance","last_flush","lag_ms"}],"dropped":[…]}`.
public struct ClusterHealth: Sendable, Hashable {
    public struct Member: Sendable, Hashable {
        public var instance: String
        /// When its latest flush was stored, milliseconds since the epoch (the database server's clock).
        public var lastFlushMilliseconds: Int64
        /// How late after the end of its tick that flush arrived, in milliseconds.
        public var lagMilliseconds: Int64

        public init(instance: String, lastFlushMilliseconds: Int64, lagMilliseconds: Int64) {
            self.instance = instance
            self.lastFlushMilliseconds = lastFlushMilliseconds
            self.lagMilliseconds = lagMilliseconds
        }
    }

    /// "leader" or "follower".
    public var role: String
    public var instance: String
    /// The members in the sum (flushed within `cluster.member_timeout`).
    public var members: [Member]
    /// Members dropped from the sum: silent past the timeout, or left.
    public var dropped: [Member]
    /// Why the lock session or the membership read failed on the latest tick, if it did.
    public var problem: String?

    public init(role: String, instance: String, members: [Member], dropped: [Member], problem: String? = nil) {
        self.role = role
        self.instance = instance
        self.members = members
        self.dropped = dropped
        self.problem = problem
    }

    var json: [String: Any] {
        func object(_ member: Member) -> [String: Any] {
            ["instance": member.instance,
             "last_flush": SyslogTimestamp(utcMilliseconds: member.lastFlushMilliseconds).rfc3339UTC(.milliseconds),
             "lag_ms": member.lagMilliseconds]
        }
        var body: [String: Any] = [
            "role": role, "instance": instance, "members": members.map(object), "dropped": dropped.map(object),
        ]
        if let problem { body["problem"] = problem }
        return body
    }
}
