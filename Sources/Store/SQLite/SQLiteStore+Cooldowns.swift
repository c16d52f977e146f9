import Detect
import SQLiteNIO

extension SQLiteStore {
    /// The cooldown's check-and-set in one statement. The first alert of a category inserts the
    /// row; later ones update it only when the cooldown has passed, and `RETURNING` yields a row
    /// exactly when the insert or update happened. SQLite runs the statement under its write
    /// lock, so two connections (or processes) cannot both be admitted for the same period.
    static let admitAlertSQL = """
        INSERT INTO cooldowns (category, last_alert_at) VALUES (?1, ?2)
        ON CONFLICT (category) DO UPDATE SET last_alert_at = excluded.last_alert_at
        WHERE excluded.last_alert_at >= cooldowns.last_alert_at + ?3
        RETURNING last_alert_at
        """

    public func admitAlert(category: AnomalyCategory, at seconds: Int64, cooldownSeconds: Int64) async throws -> Bool {
        try await exclusively("admitAlert") {
            let rows = try await connection.query(
                Self.admitAlertSQL,
                [.text(category.rawValue), .int64(seconds), .int64(cooldownSeconds)]
            )
            return !rows.isEmpty
        }
    }
}
