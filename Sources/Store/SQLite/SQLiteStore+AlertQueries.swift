import Detect
import SQLiteNIO

extension SQLiteStore {
    /// One statement for every filter combination: an unset filter binds NULL and drops out.
    /// The service filter looks inside the stored JSON list (`json_each`), so a service name
    /// only matches whole, never as a substring of another.
    public func recentAlerts(_ query: AlertQuery) async throws -> [Alert] {
        guard query.limit > 0 else { return [] }
        return try await exclusively("recentAlerts") {
            let category: SQLiteData = query.category.map { .text($0.rawValue) } ?? .null
            let service: SQLiteData = query.service.map { .text($0) } ?? .null
            let since: SQLiteData = query.since.map { .integer(SQLiteInt64($0)) } ?? .null
            let rows = try await connection.query(
                """
                SELECT * FROM alerts
                WHERE (?1 IS NULL OR category = ?1)
                  AND (?2 IS NULL OR EXISTS (SELECT 1 FROM json_each(alerts.affected_services) WHERE json_each.value = ?2))
                  AND (?3 IS NULL OR detected_at >= ?3)
                ORDER BY detected_at DESC, rowid DESC LIMIT ?4
                """,
                [category, service, since, .integer(SQLiteInt64(query.limit))]
            )
            return try rows.map { row throws(StoreError) in try StoredAlert.alert(from: SQLiteRowReader(row, table: "alerts")) }
        }
    }

    public func alert(anomalyID: String) async throws -> Alert? {
        try await exclusively("alert") {
            let rows = try await connection.query("SELECT * FROM alerts WHERE anomaly_id = ?", [.text(anomalyID)])
            return try rows.first.map { row throws(StoreError) in try StoredAlert.alert(from: SQLiteRowReader(row, table: "alerts")) }
        }
    }
}
