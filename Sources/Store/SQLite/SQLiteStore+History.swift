import Detect
import SQLiteNIO

extension SQLiteStore {
    public func recordHistory(_ minutes: [HistoryMinute]) async throws {
        let minutes = HistoryMinute.merged(minutes)
        guard !minutes.isEmpty else { return }
        let scopes = Array(Set(minutes.map(\.scope.storageKey))).sorted()
        let columns = HistorySchema.severityColumns
        try await exclusively("recordHistory") {
            try await transaction {
                for chunk in scopes.chunks(of: HistorySchema.rowsPerStatement) {
                    _ = try await connection.query(
                        "INSERT OR IGNORE INTO history_scopes (scope) VALUES " + Array(repeating: "(?)", count: chunk.count).joined(separator: ","),
                        chunk.map { .text($0) })
                }
                let row = "((SELECT id FROM history_scopes WHERE scope = ?), ?, " + Array(repeating: "?", count: 10).joined(separator: ", ") + ")"
                for chunk in minutes.chunks(of: HistorySchema.rowsPerStatement) {
                    var binds: [SQLiteData] = []
                    binds.reserveCapacity(chunk.count * 12)
                    for minute in chunk {
                        binds.append(.text(minute.scope.storageKey))
                        binds.append(.int64(minute.minute))
                        for count in minute.counts.lanes { binds.append(.int64(Int64(count))) }
                        binds.append(.optional(minute.baseline?.volumePerMinute))
                        binds.append(.optional(minute.baseline?.errorRate))
                    }
                    _ = try await connection.query(
                        """
                        INSERT INTO history (scope_id, minute_start, \(columns.joined(separator: ", ")), baseline_volume, baseline_error_rate)
                        VALUES \(Array(repeating: row, count: chunk.count).joined(separator: ","))
                        ON CONFLICT (scope_id, minute_start) DO UPDATE SET
                            \(columns.map { "\($0) = history.\($0) + excluded.\($0)" }.joined(separator: ", ")),
                            baseline_volume = COALESCE(excluded.baseline_volume, history.baseline_volume),
                            baseline_error_rate = COALESCE(excluded.baseline_error_rate, history.baseline_error_rate)
                        """,
                        binds)
                }
            }
        }
    }

    public func history(of scopes: [Scope], from: Int64, until: Int64) async throws -> [HistoryMinute] {
        guard !scopes.isEmpty, from < until else { return [] }
        let keys = Array(Set(scopes.map(\.storageKey))).sorted()
        return try await exclusively("history") {
            var minutes: [HistoryMinute] = []
            for chunk in keys.chunks(of: HistorySchema.rowsPerStatement) {
                let rows = try await connection.query(
                    """
                    SELECT s.scope, h.minute_start, \(HistorySchema.severityColumns.map { "h." + $0 }.joined(separator: ", ")),
                           h.baseline_volume, h.baseline_error_rate
                    FROM history_scopes s JOIN history h ON h.scope_id = s.id
                    WHERE s.scope IN (\(Array(repeating: "?", count: chunk.count).joined(separator: ",")))
                      AND h.minute_start >= ? AND h.minute_start < ?
                    ORDER BY s.scope, h.minute_start
                    """,
                    chunk.map { .text($0) } + [.int64(from), .int64(until)])
                for row in rows { minutes.append(try HistoryMinute.stored(from: SQLiteRowReader(row, table: "history"))) }
            }
            return minutes
        }
    }

    /// Slices of ``HistorySchema/pruneSliceScopes`` scope ids, each its own statement: the
    /// primary key (scope_id, minute_start) finds each scope's old minutes without a scan.
    public func pruneHistory(before: Int64) async throws -> Int {
        let highest = try await exclusively("pruneHistory") {
            let rows = try await connection.query("SELECT MAX(id) AS id FROM history_scopes")
            return try rows.first.flatMap { try SQLiteRowReader($0, table: "history_scopes").optionalInt64("id") } ?? 0
        }
        var deleted = 0
        var low: Int64 = 0
        while low < highest {
            let high = low + HistorySchema.pruneSliceScopes
            deleted += try await exclusively("pruneHistory") {
                _ = try await connection.query(
                    """
                    DELETE FROM history
                    WHERE scope_id IN (SELECT id FROM history_scopes WHERE id > ? AND id <= ?) AND minute_start < ?
                    """,
                    [.int64(low), .int64(high), .int64(before)])
                let changes = try await connection.query("SELECT changes() AS n")
                return Int(try changes.first.flatMap { try SQLiteRowReader($0, table: "history").optionalInt64("n") } ?? 0)
            }
            low = high
        }
        return deleted
    }
}

extension Array {
    /// Consecutive slices of at most `size` elements.
    func chunks(of size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: Swift.max(1, size)).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
