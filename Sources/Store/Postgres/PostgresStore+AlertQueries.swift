import Detect
import PostgresNIO

extension PostgresStore {
    /// One statement for every filter combination: an unset filter binds NULL and drops out.
    /// The service filter looks inside the stored JSON list (`jsonb_exists`), so a service name
    /// only matches whole, never as a substring of another.
    public func recentAlerts(_ query: AlertQuery) async throws -> [Alert] {
        guard query.limit > 0 else { return [] }
        return try await perform("recentAlerts") {
            let category = query.category?.rawValue
            let rows = try await client.query(
                """
                SELECT * FROM alerts
                WHERE (\(category)::text IS NULL OR category = \(category)::text)
                  AND (\(query.service)::text IS NULL OR jsonb_exists(affected_services::jsonb, \(query.service)::text))
                  AND (\(query.since)::bigint IS NULL OR detected_at >= \(query.since)::bigint)
                ORDER BY detected_at DESC, seq DESC LIMIT \(Int64(query.limit))
                """,
                logger: logger
            ).collect()
            return try rows.map { row throws(StoreError) in try StoredAlert.alert(from: PostgresRowReader(row, table: "alerts")) }
        }
    }

    public func alert(anomalyID: String) async throws -> Alert? {
        try await perform("alert") {
            let rows = try await client.query("SELECT * FROM alerts WHERE anomaly_id = \(anomalyID)", logger: logger).collect()
            return try rows.first.map { row throws(StoreError) in try StoredAlert.alert(from: PostgresRowReader(row, table: "alerts")) }
        }
    }
}
