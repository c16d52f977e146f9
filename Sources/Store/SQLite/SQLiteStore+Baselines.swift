import Detect
import SQLiteNIO

extension SQLiteStore {
    public func loadBaselines(windowSeconds: Int64) async throws -> [Baseline] {
        try await exclusively("loadBaselines") {
            let rows = try await connection.query(
                """
                SELECT scope, window_seconds, error_rate, volume, service_count, windows_observed, last_window_end
                FROM baselines WHERE window_seconds = ? ORDER BY scope
                """,
                [.int64(windowSeconds)]
            )
            return try rows.map { row throws(StoreError) in try Baseline.stored(from: SQLiteRowReader(row, table: "baselines")) }
        }
    }

    /// One transaction for the batch: a reader never sees half of one window's update.
    public func saveBaselines(_ baselines: [Baseline]) async throws {
        guard !baselines.isEmpty else { return }
        try await exclusively("saveBaselines") {
            try await transaction {
                for baseline in baselines {
                    _ = try await connection.query(
                        """
                        INSERT INTO baselines
                            (scope, window_seconds, error_rate, volume, service_count, windows_observed, last_window_end)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (scope, window_seconds) DO UPDATE SET
                            error_rate = excluded.error_rate,
                            volume = excluded.volume,
                            service_count = excluded.service_count,
                            windows_observed = excluded.windows_observed,
                            last_window_end = excluded.last_window_end
                        """,
                        [
                            .text(baseline.scope.storageKey),
                            .int64(baseline.windowSeconds),
                            .float(baseline.errorRate),
                            .float(baseline.volume),
                            .float(baseline.serviceCount),
                            .int64(Int64(baseline.windowsObserved)),
                            .optional(baseline.lastWindowEnd),
                        ]
                    )
                }
            }
        }
    }
}
