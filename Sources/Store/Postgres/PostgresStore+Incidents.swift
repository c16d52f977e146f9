import Detect
import PostgresNIO

extension PostgresStore {
    /// The `pg_advisory_xact_lock` key that serialises incident assignment across processes
    /// ("Vigil" in ASCII, then 5): two alerts of one moment in two processes join one incident.
    static let incidentLockKey: Int64 = 0x5669_6769_6C00_0005

    public func joinIncident(anomalyID: String, detectedAt: Int64, correlationSeconds: Int64) async throws -> String {
        try await perform("joinIncident") {
            try await transaction { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(Self.incidentLockKey))", logger: logger)
                let open = try await connection.query(
                    """
                    SELECT incident_id FROM incidents
                    WHERE opened_at <= \(detectedAt + correlationSeconds) AND last_alert_at >= \(detectedAt - correlationSeconds)
                    ORDER BY last_alert_at DESC, opened_at DESC LIMIT 1
                    """,
                    logger: logger
                ).collect()
                let incidentID = try open.first.map { try PostgresRowReader($0, table: "incidents").string("incident_id") }
                    ?? Incident.id(openedBy: anomalyID)
                try await connection.query(
                    """
                    INSERT INTO incidents (incident_id, opened_at, last_alert_at, resolved_at)
                    VALUES (\(incidentID), \(detectedAt), \(detectedAt), NULL)
                    ON CONFLICT (incident_id) DO UPDATE SET
                        opened_at = LEAST(incidents.opened_at, excluded.opened_at),
                        last_alert_at = GREATEST(incidents.last_alert_at, excluded.last_alert_at), resolved_at = NULL
                    """,
                    logger: logger
                )
                return incidentID
            }
        }
    }

    public func resolveAlerts(
        _ key: AlertKey, at seconds: Int64, notifying: @escaping @Sendable (Alert) -> [OutboxEntry]
    ) async throws -> [String] {
        try await perform("resolveAlerts") {
            try await transaction { connection in
                let rows = try await connection.query(
                    """
                    UPDATE alerts SET resolved_at = \(seconds)
                    WHERE category = \(key.category.rawValue) AND scope = \(key.scope.storageKey)
                      AND resolved_at IS NULL AND detected_at <= \(seconds)
                    RETURNING *
                    """,
                    logger: logger
                ).collect()
                let resolved = try rows.map { row throws(StoreError) in try StoredAlert.alert(from: PostgresRowReader(row, table: "alerts")) }
                for alert in resolved { try await enqueueOutbox(notifying(alert), anomalyID: alert.anomalyID, on: connection) }
                for incident in Set(resolved.compactMap(\.incidentID)).sorted() {
                    try await connection.query(
                        """
                        UPDATE incidents SET resolved_at = (SELECT MAX(resolved_at) FROM alerts WHERE incident_id = \(incident))
                        WHERE incident_id = \(incident)
                          AND NOT EXISTS (SELECT 1 FROM alerts WHERE incident_id = \(incident) AND resolved_at IS NULL)
                        """,
                        logger: logger
                    )
                }
                return resolved.map(\.anomalyID).sorted()
            }
        }
    }

    public func unresolvedAlertKeys() async throws -> [AlertKey] {
        try await perform("unresolvedAlertKeys") {
            let rows = try await client.query(
                "SELECT DISTINCT category, scope FROM alerts WHERE resolved_at IS NULL ORDER BY category, scope", logger: logger
            ).collect()
            return try rows.map { row throws(StoreError) in try AlertKey.stored(from: PostgresRowReader(row, table: "alerts")) }
        }
    }

    public func recentIncidents(limit: Int) async throws -> [Incident] {
        guard limit > 0 else { return [] }
        return try await perform("recentIncidents") {
            let rows = try await client.query(
                """
                SELECT * FROM incidents
                WHERE EXISTS (SELECT 1 FROM alerts WHERE alerts.incident_id = incidents.incident_id)
                ORDER BY opened_at DESC, incident_id DESC LIMIT \(Int64(limit))
                """,
                logger: logger
            ).collect()
            return try await withAlerts(rows)
        }
    }

    public func incident(id incidentID: String) async throws -> Incident? {
        try await perform("incident") {
            let rows = try await client.query("SELECT * FROM incidents WHERE incident_id = \(incidentID)", logger: logger).collect()
            return try await withAlerts(rows).first
        }
    }

    /// The incidents of `rows` (in their order) with their alerts, oldest first.
    private func withAlerts(_ rows: [PostgresRow]) async throws -> [Incident] {
        let stored = try rows.map { row throws(StoreError) in try StoredIncident.stored(from: PostgresRowReader(row, table: "incidents")) }
        guard !stored.isEmpty else { return [] }
        let ids = stored.map(\.incidentID)
        let alertRows = try await client.query(
            "SELECT * FROM alerts WHERE incident_id = ANY(\(ids)) ORDER BY detected_at ASC, seq ASC", logger: logger
        ).collect()
        let alerts = try alertRows.map { row throws(StoreError) in try StoredAlert.alert(from: PostgresRowReader(row, table: "alerts")) }
        return StoredIncident.incidents(stored, alerts: alerts)
    }
}
