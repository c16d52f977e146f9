/// Why joining or running the cluster failed, with what to do about it.
public enum ClusterError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Another live instance holds this name (its session owns the name's advisory lock).
    case nameTaken(String)
    /// The instance name is empty or too long to show.
    case invalidName(String, reason: String)
    /// The lock session or a cluster statement failed; `operation` names which.
    case database(operation: String, reason: String)
    case closed

    public var description: String {
        switch self {
        case .nameTaken(let name):
            "another live vigil instance is already named '\(name)' on this database; give this one another cluster.instance_name"
        case .invalidName(let name, let reason):
            "invalid cluster.instance_name '\(name)': \(reason)"
        case .database(let operation, let reason):
            "cluster \(operation) failed: \(reason)"
        case .closed:
            "the cluster node has left"
        }
    }
}
