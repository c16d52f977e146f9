import Detect
import PostgresNIO

extension PostgresStore {
    /// The same check-and-set as SQLite's, in one statement. Under concurrent callers
    /// PostgreSQL serialises on the category's row: the second `ON CONFLICT … DO UPDATE` waits
    /// for the first to commit, then re-evaluates its `WHERE` against the updated row, so two
    /// processes cannot both be admitted for one period. `RETURNING` yields a row exactly when
    /// the insert or update happened.
    public func admitAlert(category: AnomalyCategory, at seconds: Int64, cooldownSeconds: Int64) async throws -> Bool {
        try await perform("admitAlert") {
            let rows = try await client.query(
                """
                INSERT INTO cooldowns (category, last_alert_at) VALUES (\(category.rawValue), \(seconds))
                ON CONFLICT (category) DO UPDATE SET last_alert_at = excluded.last_alert_at
                WHERE excluded.last_alert_at >= cooldowns.last_alert_at + \(cooldownSeconds)
                RETURNING last_alert_at
                """,
                logger: logger
            ).collect()
            return !rows.isEmpty
        }
    }
}
