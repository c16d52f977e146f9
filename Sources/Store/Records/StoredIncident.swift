import Detect

/// An incident as the incidents table holds it (id, opened, latest alert, resolved), read the
/// same way by every backend; its alerts come from the alerts table (`incident_id`).
struct StoredIncident {
    var incidentID: String
    var openedAt: Int64
    var lastAlertAt: Int64
    var resolvedAt: Int64?

    static func stored(from row: some StoredRowReader) throws(StoreError) -> StoredIncident {
        var reader = row
        reader.key = try reader.string("incident_id")
        return StoredIncident(
            incidentID: reader.key,
            openedAt: try reader.int64("opened_at"),
            lastAlertAt: try reader.int64("last_alert_at"),
            resolvedAt: try reader.optionalInt64("resolved_at")
        )
    }

    /// With its alerts (oldest first); `nil` when it has none (an incident row whose first
    /// alert was never written is not shown).
    func incident(alerts: [Alert]) -> Incident? {
        let own = alerts.filter { $0.incidentID == incidentID }
        guard !own.isEmpty else { return nil }
        return Incident(incidentID: incidentID, openedAt: openedAt, lastAlertAt: lastAlertAt, resolvedAt: resolvedAt, alerts: own)
    }

    /// Incidents in `rows` order, each with its alerts from `alerts` (already oldest first).
    static func incidents(_ rows: [StoredIncident], alerts: [Alert]) -> [Incident] {
        let byIncident = Dictionary(grouping: alerts) { $0.incidentID ?? "" }
        return rows.compactMap { $0.incident(alerts: byIncident[$0.incidentID] ?? []) }
    }
}

extension AlertKey {
    /// A key read back from the alerts table's `category` and `scope` columns.
    static func stored(from row: some StoredRowReader) throws(StoreError) -> AlertKey {
        var reader = row
        let categoryName = try reader.string("category")
        let scopeKey = try reader.string("scope")
        reader.key = categoryName + "/" + scopeKey
        guard let category = AnomalyCategory(rawValue: categoryName) else { throw reader.failure("category", "unknown category") }
        guard let scope = Scope(storageKey: scopeKey) else { throw reader.failure("scope", "expected \"overall\" or \"service:NAME\"") }
        return AlertKey(category, scope)
    }
}
