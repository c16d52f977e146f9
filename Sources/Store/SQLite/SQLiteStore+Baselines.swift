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
            return try rows.map { row throws(StoreError) in
                var reader = SQLiteRowReader(row, table: "baselines")
                let key = try reader.string("scope")
                reader.key = key
                guard let scope = Scope(storageKey: key) else {
                    throw reader.failure("scope", "expected \"overall\" or \"service:NAME\"")
                }
                return Baseline(
                    scope: scope,
                    windowSeconds: try reader.int64("window_seconds"),
                    errorRate: try reader.double("error_rate"),
                    volume: try reader.double("volume"),
                    serviceCount: try reader.double("service_count"),
                    windowsObserved: Int(try reader.int64("windows_observed")),
                    lastWindowEnd: try reader.optionalInt64("last_window_end")
                )
            }
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
