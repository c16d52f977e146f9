import Detect
import PostgresNIO

extension PostgresStore {
    /// Two statements in one transaction, whatever the number of minutes: the new scope keys,
    /// then every row through `UNNEST` of one array per column (a missing baseline travels as
    /// NaN, PostgresNIO's arrays having no NULL elements).
    public func recordHistory(_ minutes: [HistoryMinute]) async throws {
        let minutes = HistoryMinute.merged(minutes)
        guard !minutes.isEmpty else { return }
        let scopes = minutes.map(\.scope.storageKey)
        let starts = minutes.map(\.minute)
        let lanes = (0..<8).map { lane in minutes.map { Int64($0.counts.bySeverity[lane]) } }
        let volumes = minutes.map { $0.baseline?.volumePerMinute ?? .nan }
        let rates = minutes.map { $0.baseline?.errorRate ?? .nan }
        let columns = HistorySchema.severityColumns.joined(separator: ", ")
        let updates = HistorySchema.severityColumns.map { "\($0) = history.\($0) + excluded.\($0)" }.joined(separator: ", ")
        try await perform("recordHistory") {
            try await transaction { connection in
                try await connection.query(
                    "INSERT INTO history_scopes (scope) SELECT DISTINCT unnest(\(scopes)::text[]) ON CONFLICT (scope) DO NOTHING",
                    logger: logger)
                try await connection.query(
                    """
                    INSERT INTO history (scope_id, minute_start, \(unescaped: columns), baseline_volume, baseline_error_rate)
                    SELECT s.id, u.minute_start, \(unescaped: HistorySchema.severityColumns.map { "u." + $0 }.joined(separator: ", ")),
                           NULLIF(u.baseline_volume, 'NaN'::float8), NULLIF(u.baseline_error_rate, 'NaN'::float8)
                    FROM UNNEST(\(scopes)::text[], \(starts)::bigint[],
                                \(lanes[0])::bigint[], \(lanes[1])::bigint[], \(lanes[2])::bigint[], \(lanes[3])::bigint[],
                                \(lanes[4])::bigint[], \(lanes[5])::bigint[], \(lanes[6])::bigint[], \(lanes[7])::bigint[],
                                \(volumes)::float8[], \(rates)::float8[])
                         AS u(scope, minute_start, \(unescaped: columns), baseline_volume, baseline_error_rate)
                    JOIN history_scopes s ON s.scope = u.scope
                    ON CONFLICT (scope_id, minute_start) DO UPDATE SET
                        \(unescaped: updates),
                        baseline_volume = COALESCE(excluded.baseline_volume, history.baseline_volume),
                        baseline_error_rate = COALESCE(excluded.baseline_error_rate, history.baseline_error_rate)
                    """,
                    logger: logger)
            }
        }
    }

    public func history(of scopes: [Scope], from: Int64, until: Int64) async throws -> [HistoryMinute] {
        guard !scopes.isEmpty, from < until else { return [] }
        let keys = Array(Set(scopes.map(\.storageKey))).sorted()
        return try await perform("history") {
            let rows = try await client.query(
                """
                SELECT s.scope, h.minute_start, \(unescaped: HistorySchema.severityColumns.map { "h." + $0 }.joined(separator: ", ")),
                       h.baseline_volume, h.baseline_error_rate
                FROM history_scopes s JOIN history h ON h.scope_id = s.id
                WHERE s.scope = ANY(\(keys)::text[]) AND h.minute_start >= \(from) AND h.minute_start < \(until)
                ORDER BY s.scope, h.minute_start
                """,
                logger: logger
            ).collect()
            return try rows.map { row throws(StoreError) in try HistoryMinute.stored(from: PostgresRowReader(row, table: "history")) }
        }
    }

    /// Slices of ``HistorySchema/pruneSliceScopes`` scope ids, each its own statement (and
    /// transaction): the primary key (scope_id, minute_start) finds each scope's old minutes.
    public func pruneHistory(before: Int64) async throws -> Int {
        try await perform("pruneHistory") {
            let rows = try await client.query("SELECT COALESCE(MAX(id), 0)::bigint AS id FROM history_scopes", logger: logger).collect()
            let highest = try rows.first.flatMap { row throws(StoreError) in try PostgresRowReader(row, table: "history_scopes").optionalInt64("id") } ?? 0
            var deleted = 0
            var low: Int64 = 0
            while low < highest {
                let high = low + HistorySchema.pruneSliceScopes
                let counted = try await client.query(
                    """
                    WITH gone AS (
                        DELETE FROM history
                        WHERE scope_id IN (SELECT id FROM history_scopes WHERE id > \(low) AND id <= \(high)) AND minute_start < \(before)
                        RETURNING 1
                    )
                    SELECT COUNT(*)::bigint AS n FROM gone
                    """,
                    logger: logger
                ).collect()
                deleted += Int(try counted.first.flatMap { row throws(StoreError) in try PostgresRowReader(row, table: "history").optionalInt64("n") } ?? 0)
                low = high
            }
            return deleted
        }
    }
}
