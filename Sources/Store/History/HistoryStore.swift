import Detect

/// The per-minute history behind the dashboard's charts (see ``HistoryMinute``): written once a
/// minute by the executable's history recorder, read by `GET /services/{name}/history`, pruned
/// after `history.retention`.
///
/// A capability of its own, which ``VigilStore`` refines, so that a store's history can be
/// tested and reasoned about apart from alerts and baselines.
public protocol HistoryStore: Sendable {
    /// Adds each minute's counts to what is already stored for its (scope, minute) — a restart
    /// inside a minute, or several processes sharing the database, add up instead of
    /// overwriting — and sets its baseline (when given). All minutes in one transaction: one
    /// write per minute however many services there are.
    func recordHistory(_ minutes: [HistoryMinute]) async throws

    /// The stored minutes of `scopes` with `from <= minute < until`, ordered by scope, then
    /// minute. Scopes without history are simply absent.
    func history(of scopes: [Scope], from: Int64, until: Int64) async throws -> [HistoryMinute]

    /// Deletes every minute that starts before `before`; returns how many were deleted. Runs in
    /// slices (by scope), so that writers wait for a slice at most, never for the whole prune.
    func pruneHistory(before: Int64) async throws -> Int
}

extension HistoryStore {
    /// One scope's stored minutes with `from <= minute < until`, oldest first.
    public func history(of scope: Scope, from: Int64, until: Int64) async throws -> [HistoryMinute] {
        try await history(of: [scope], from: from, until: until)
    }
}

/// The SQL both backends share: the severity columns in lane order, and how many scopes one
/// prune slice covers.
enum HistorySchema {
    static let severityColumns = ["emergency", "alert", "critical", "error", "warning", "notice", "info", "debug"]
    static let pruneSliceScopes: Int64 = 500
    /// Rows per multi-row INSERT (SQLite binds 12 values per row; its limit is 32 766).
    static let rowsPerStatement = 500
}
