import Detect
import Store

/// The steps that turn what the detector produced into stored facts, the same in `vigil serve`
/// (``AlertWriter``) and `vigil analyze`: for a proposed alert, the store's atomic cooldown for
/// its key (category and scope), then its incident
/// (``IncidentStore/joinIncident(anomalyID:detectedAt:correlationSeconds:)``), then the alert row
/// with its incident id and its `alert.created` notifications; for a resolution, the key's
/// active alerts resolved with their `alert.resolved` notifications.
struct AlertLifecycle: Sendable {
    /// The outbox rows announcing `event` for an alert (one per notification target).
    typealias Announce = @Sendable (Alert, NotificationEvent) -> [OutboxEntry]

    /// How far one alert got, so that a retry after a failed write resumes instead of asking the
    /// cooldown again (which would refuse the alert it had just admitted).
    struct Progress: Sendable {
        var admitted = false
        var incidentID: String?
    }

    let store: any VigilStore
    let cooldownSeconds: Int64
    let correlationSeconds: Int64
    var announce: Announce = { _, _ in [] }

    /// The alert as stored (with its incident), or `nil` when the cooldown refused it.
    func store(_ proposed: Alert, progress: inout Progress) async throws -> Alert? {
        if !progress.admitted {
            guard try await store.admitAlert(proposed.key, at: proposed.detectedAt, cooldownSeconds: cooldownSeconds) else {
                return nil
            }
            progress.admitted = true
        }
        var alert = proposed
        if let incidentID = progress.incidentID {
            alert.incidentID = incidentID
        } else {
            let incidentID = try await store.joinIncident(
                anomalyID: alert.anomalyID, detectedAt: alert.detectedAt, correlationSeconds: correlationSeconds)
            progress.incidentID = incidentID
            alert.incidentID = incidentID
        }
        try await store.insertAlert(alert, notifying: announce(alert, .created))
        return alert
    }

    /// Resolves the key's active alerts; returns their ids.
    func resolve(_ resolution: AlertResolution) async throws -> [String] {
        let announce = self.announce
        return try await store.resolveAlerts(resolution.key, at: resolution.resolvedAt) { announce($0, .resolved) }
    }
}
