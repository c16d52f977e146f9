import Detect
import SQLiteNIO

extension SQLiteStore {
    /// In one `BEGIN IMMEDIATE` transaction (the write lock first): find the incident open at
    /// `detectedAt` (within the correlation window of its first or latest alert: alerts of one
    /// moment may be written slightly out of order), extend and re-open it, or open a new one.
    public func joinIncident(anomalyID: String, detectedAt: Int64, correlationSeconds: Int64) async throws -> String {
        try await exclusively("joinIncident") {
            try await transaction {
                let open = try await connection.query(
                    """
                    SELECT incident_id FROM incidents WHERE opened_at - ?2 <= ?1 AND last_alert_at + ?2 >= ?1
                    ORDER BY last_alert_at DESC, opened_at DESC LIMIT 1
                    """,
                    [.int64(detectedAt), .int64(correlationSeconds)]
                )
                let incidentID = try open.first.map { try SQLiteRowReader($0, table: "incidents").string("incident_id") }
                    ?? Incident.id(openedBy: anomalyID)
                _ = try await connection.query(
                    """
                    INSERT INTO incidents (incident_id, opened_at, last_alert_at, resolved_at) VALUES (?1, ?2, ?2, NULL)
                    ON CONFLICT (incident_id) DO UPDATE SET
                        opened_at = MIN(incidents.opened_at, excluded.opened_at),
                        last_alert_at = MAX(incidents.last_alert_at, excluded.last_alert_at), resolved_at = NULL
                    """,
                    [.text(incidentID), .int64(detectedAt)]
                )
                return incidentID
            }
        }
    }

    public func resolveAlerts(
        _ key: AlertKey, at seconds: Int64, notifying: @escaping @Sendable (Alert) -> [OutboxEntry]
    ) async throws -> [String] {
        try await exclusively("resolveAlerts") {
            try await transaction {
                let rows = try await connection.query(
                    """
                    UPDATE alerts SET resolved_at = ?3
                    WHERE category = ?1 AND scope = ?2 AND resolved_at IS NULL AND detected_at <= ?3
                    RETURNING *
                    """,
                    [.text(key.category.rawValue), .text(key.scope.storageKey), .int64(seconds)]
                )
                let resolved = try rows.map { row throws(StoreError) in try StoredAlert.alert(from: SQLiteRowReader(row, table: "alerts")) }
                for alert in resolved { try await enqueueOutbox(notifying(alert), anomalyID: alert.anomalyID) }
                for incident in Set(resolved.compactMap(\.incidentID)).sorted() {
                    _ = try await connection.query(
                        """
                        UPDATE incidents SET resolved_at = (SELECT MAX(resolved_at) FROM alerts WHERE incident_id = ?1)
                        WHERE incident_id = ?1
                          AND NOT EXISTS (SELECT 1 FROM alerts WHERE incident_id = ?1 AND resolved_at IS NULL)
                        """,
                        [.text(incident)]
                    )
                }
                return resolved.map(\.anomalyID).sorted()
            }
        }
    }

    public func unresolvedAlertKeys() async throws -> [AlertKey] {
        try await exclusively("unresolvedAlertKeys") {
            let rows = try await connection.query(
                "SELECT DISTINCT category, scope FROM alerts WHERE resolved_at IS NULL ORDER BY category, scope")
            return try rows.map { row throws(StoreError) in try AlertKey.stored(from: SQLiteRowReader(row, table: "alerts")) }
        }
    }

    public func recentIncidents(limit: Int) async throws -> [Incident] {
        guard limit > 0 else { return [] }
        return try await incidents(
            "recentIncidents",
            where: "EXISTS (SELECT 1 FROM alerts WHERE alerts.incident_id = incidents.incident_id)",
            [], limit: limit)
    }

    public func incident(id incidentID: String) async throws -> Incident? {
        try await incidents("incident", where: "incident_id = ?1", [.text(incidentID)], limit: 1).first
    }

    /// Incident rows matching `condition` (newest opened first, at most `limit`) with their
    /// alerts, read in one operation.
    private func incidents(_ operation: String, where condition: String, _ bindings: [SQLiteData], limit: Int) async throws
        -> [Incident]
    {
        try await exclusively(operation) {
            let rows = try await connection.query(
                "SELECT * FROM incidents WHERE \(condition) ORDER BY opened_at DESC, incident_id DESC LIMIT \(limit)",
                bindings
            )
            let stored = try rows.map { row throws(StoreError) in try StoredIncident.stored(from: SQLiteRowReader(row, table: "incidents")) }
            guard !stored.isEmpty else { return [] }
            let ids = try StoredJSON.encode(stored.map(\.incidentID))
            let alertRows = try await connection.query(
                """
                SELECT * FROM alerts WHERE incident_id IN (SELECT value FROM json_each(?1))
                ORDER BY detected_at ASC, rowid ASC
                """,
                [.text(ids)]
            )
            let alerts = try alertRows.map { row throws(StoreError) in try StoredAlert.alert(from: SQLiteRowReader(row, table: "alerts")) }
            return StoredIncident.incidents(stored, alerts: alerts)
        }
    }
}
