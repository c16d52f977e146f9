import Detect
import PostgresNIO

extension PostgresStore {
    /// The same check-and-set as SQLite's, in one statement. Under concurrent callers
    /// PostgreSQL serialises on the key's row: the second `ON CONFLICT … DO UPDATE` waits for the
    /// first to commit, then re-evaluates its `WHERE` against the updated row, so two processes
    /// cannot both be admitted for one period. `RETURNING` yields a row exactly when the insert
    /// or update happened.
    public func admitAlert(_ key: AlertKey, at seconds: Int64, cooldownSeconds: Int64) async throws -> Bool {
        try await perform("admitAlert") {
            let rows = try await client.query(
                """
                INSERT INTO cooldowns (category, scope, last_alert_at)
                VALUES (\(key.category.rawValue), \(key.scope.storageKey), \(seconds))
                ON CONFLICT (category, scope) DO UPDATE SET last_alert_at = excluded.last_alert_at
                WHERE excluded.last_alert_at >= cooldowns.last_alert_at + \(cooldownSeconds)
                RETURNING last_alert_at
                """,
                logger: logger
            ).collect()
            return !rows.isEmpty
        }
    }
}
