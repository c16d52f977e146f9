/// Why a store operation failed, and where: the operation or table and the underlying reason,
/// so that a log line is enough to act on.
public enum StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `--database` / `DATABASE_URL` could not be understood.
    case invalidDatabaseURL(String, reason: String)
    /// The database could not be opened or prepared (file, directory, pragmas).
    case cannotOpen(location: String, reason: String)
    /// A statement failed; `operation` is the store call (e.g. "admitAlert").
    case operationFailed(operation: String, reason: String)
    /// A stored value could not be read back as the type it was written from.
    case corruptRow(table: String, key: String, column: String, reason: String)
    /// The database's schema is newer than this build knows how to use.
    case schemaTooNew(found: Int, known: Int)
    case alertNotFound(anomalyID: String)
    case closed

    public var description: String {
        switch self {
        case .invalidDatabaseURL(let url, let reason):
            "invalid database URL '\(url)': \(reason)"
        case .cannotOpen(let location, let reason):
            "cannot open database \(location): \(reason)"
        case .operationFailed(let operation, let reason):
            "database \(operation) failed: \(reason)"
        case .corruptRow(let table, let key, let column, let reason):
            "unreadable value in \(table) row \(key), column \(column): \(reason)"
        case .schemaTooNew(let found, let known):
            "database schema version \(found) is newer than this Vigil knows (\(known)); upgrade Vigil"
        case .alertNotFound(let anomalyID):
            "no alert with anomaly_id \(anomalyID)"
        case .closed:
            "the store is closed"
        }
    }

    /// `error` as a `StoreError`, naming `operation` when it is not one already.
    static func wrapping(_ error: any Error, operation: String) -> StoreError {
        if let storeError = error as? StoreError { return storeError }
        return .operationFailed(operation: operation, reason: String(describing: error))
    }
}
