import Detect
import PostgresNIO

extension PostgresStore {
    public func loadBaselines(windowSeconds: Int64) async throws -> [Baseline] {
        try await perform("loadBaselines") {
            let rows = try await client.query(
                """
                SELECT scope, window_seconds, error_rate, volume, service_count, windows_observed, last_window_end
                FROM baselines WHERE window_seconds = \(windowSeconds) ORDER BY scope
                """,
                logger: logger
            ).collect()
            return try rows.map { row throws(StoreError) in try Baseline.stored(from: PostgresRowReader(row, table: "baselines")) }
        }
    }

    /// One transaction for the batch: a reader never sees half of one window's update.
    public func saveBaselines(_ baselines: [Baseline]) async throws {
        guard !baselines.isEmpty else { return }
        try await perform("saveBaselines") {
            try await transaction { connection in
                for baseline in baselines {
                    try await connection.query(
                        """
                        INSERT INTO baselines
                            (scope, window_seconds, error_rate, volume, service_count, windows_observed, last_window_end)
                        VALUES (\(baseline.scope.storageKey), \(baseline.windowSeconds), \(baseline.errorRate),
                                \(baseline.volume), \(baseline.serviceCount), \(Int64(baseline.windowsObserved)),
                                \(baseline.lastWindowEnd))
                        ON CONFLICT (scope, window_seconds) DO UPDATE SET
                            error_rate = excluded.error_rate,
                            volume = excluded.volume,
                            service_count = excluded.service_count,
                            windows_observed = excluded.windows_observed,
                            last_window_end = excluded.last_window_end
                        """,
                        logger: logger
                    )
                }
            }
        }
    }
}
