import Detect
import SQLiteNIO

extension SQLiteStore {
    /// The cooldown's check-and-set in one statement. The first alert of a (category, scope)
    /// inserts the row; later ones update it only when the cooldown has passed, and `RETURNING`
    /// yields a row exactly when the insert or update happened. SQLite runs the statement under
    /// its write lock, so two connections (or processes) cannot both be admitted for one period.
    static let admitAlertSQL = """
        INSERT INTO cooldowns (category, scope, last_alert_at) VALUES (?1, ?2, ?3)
        ON CONFLICT (category, scope) DO UPDATE SET last_alert_at = excluded.last_alert_at
        WHERE excluded.last_alert_at >= cooldowns.last_alert_at + ?4
        RETURNING last_alert_at
        """

    public func admitAlert(_ key: AlertKey, at seconds: Int64, cooldownSeconds: Int64) async throws -> Bool {
        try await exclusively("admitAlert") {
            let rows = try await connection.query(
                Self.admitAlertSQL,
                [.text(key.category.rawValue), .text(key.scope.storageKey), .int64(seconds), .int64(cooldownSeconds)]
            )
            return !rows.isEmpty
        }
    }
}
