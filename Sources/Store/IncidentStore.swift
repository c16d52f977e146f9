import Detect

/// What the store keeps of an alert's life beyond the alert row: the cooldown per category and
/// scope, the incident it joins, and its resolution — each one atomic write, shared by every
/// process on the database (so two instances neither alert twice nor split one incident).
///
/// Separate from the alert rows' own writes (``VigilStore/insertAlert(_:)``) so that each
/// capability stays one seam: detection decides *which key* is admitted or over; the store
/// decides *which alerts* that is, across runs and processes.
public protocol IncidentStore: Sendable {
    /// The cooldown's check-and-set as one atomic conditional write: records `seconds` as the
    /// key's last alert time and returns `true` when no alert of the key (same category, same
    /// scope) was admitted in the `cooldownSeconds` before it (at exactly `last + cooldownSeconds`
    /// the cooldown is over, as with ``InMemoryCooldown``); otherwise changes nothing and returns
    /// `false`. Of two callers racing for one key and instant, exactly one is admitted. Never
    /// read-then-write.
    func admitAlert(_ key: AlertKey, at seconds: Int64, cooldownSeconds: Int64) async throws -> Bool

    /// The incident an alert detected at `detectedAt` belongs to: the incident open then (its
    /// alerts span a time within `correlationSeconds` of `detectedAt` — alerts of one moment may
    /// arrive slightly out of order), extended to `detectedAt` and re-opened if it was resolved;
    /// else a new incident,
    /// ``Incident/id(openedBy:)`` `anomalyID`. One transaction: two processes cannot open two
    /// incidents for alerts of one moment. Calling it again for the same alert returns the same id.
    func joinIncident(anomalyID: String, detectedAt: Int64, correlationSeconds: Int64) async throws -> String

    /// Resolves every unresolved alert of `key` detected at or before `seconds` (sets
    /// `resolved_at`), enqueues each one's `notifying` outbox rows (`alert.resolved`), and closes
    /// each of their incidents whose alerts are now all resolved (its `resolved_at` is its latest
    /// alert's) — all in one transaction. Returns the ids of the alerts resolved (none when the key
    /// had no active alert: the rule may have matched without an alert getting through).
    @discardableResult
    func resolveAlerts(
        _ key: AlertKey, at seconds: Int64, notifying: @escaping @Sendable (Alert) -> [OutboxEntry]
    ) async throws -> [String]

    /// The keys that have unresolved alerts, for a (re)started detector to watch.
    func unresolvedAlertKeys() async throws -> [AlertKey]

    /// Up to `limit` incidents, the most recently opened first, each with its alerts (oldest first).
    func recentIncidents(limit: Int) async throws -> [Incident]

    /// The incident `incidentID` with its alerts, or `nil`.
    func incident(id incidentID: String) async throws -> Incident?
}

extension IncidentStore {
    /// ``resolveAlerts(_:at:notifying:)`` without notifications.
    @discardableResult
    public func resolveAlerts(_ key: AlertKey, at seconds: Int64) async throws -> [String] {
        try await resolveAlerts(key, at: seconds, notifying: { _ in [] })
    }
}
