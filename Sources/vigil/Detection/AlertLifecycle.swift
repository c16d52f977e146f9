import Detect
import Store

/// The steps that turn an alert the detector proposed into a stored one, the same in `vigil
/// serve` (``AlertWriter``) and `vigil analyze`: the store's atomic cooldown for the alert's key
/// (category and scope), then its incident (``IncidentStore/joinIncident(anomalyID:detectedAt:correlationSeconds:)``),
/// then the alert row with its incident id.
struct AlertLifecycle: Sendable {
    /// How far one alert got, so that a retry after a failed write resumes instead of asking the
    /// cooldown again (which would refuse the alert it had just admitted).
    struct Progress: Sendable {
        var admitted = false
        var incidentID: String?
    }

    let store: any VigilStore
    let cooldownSeconds: Int64
    let correlationSeconds: Int64

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
        try await store.insertAlert(alert)
        return alert
    }
}
