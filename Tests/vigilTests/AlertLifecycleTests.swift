import Detect
import Store
import Testing
@testable import vigil

/// The steps `vigil serve`'s writer and `vigil analyze` take for each proposed alert.
@Suite struct AlertLifecycleTests {
    func alert(_ id: String, _ service: String, at seconds: Int64) -> Alert {
        Alert(
            anomalyID: id, detectedAt: seconds, severity: .high, category: .errorSpike, scope: .service(service), windowSeconds: 60,
            affectedServices: [service], description: "d", current: ScopeMetrics(errorRate: 0.3, volume: 60, serviceCount: 1),
            baseline: ScopeMetrics(errorRate: 0.01, volume: 60, serviceCount: 1), multiplier: 30, anomalies: [], sampleMessages: [])
    }

    @Test func admittedAlertsJoinTheirIncidentAndRepeatsAreRefused() async throws {
        let store = try await DatabaseURL.sqlite(.memory).openStore()
        let lifecycle = AlertLifecycle(store: store, cooldownSeconds: 900, correlationSeconds: 120)
        let t: Int64 = 1_705_314_600
        var progress = AlertLifecycle.Progress()
        let first = try #require(try await lifecycle.store(alert("anom_20240115_103000_1", "payments", at: t), progress: &progress))
        #expect(first.incidentID == "inc_20240115_103000_1")
        progress = AlertLifecycle.Progress()
        let other = try #require(try await lifecycle.store(alert("anom_20240115_103030_1", "orders", at: t + 30), progress: &progress))
        #expect(other.incidentID == first.incidentID)
        progress = AlertLifecycle.Progress()
        #expect(try await lifecycle.store(alert("anom_20240115_103100_1", "payments", at: t + 60), progress: &progress) == nil)
        #expect(try await store.recentAlerts(limit: 10).map(\.anomalyID) == [other.anomalyID, first.anomalyID])
        try await store.close()
    }

    @Test func aRetryAfterAFailedWriteDoesNotAskTheCooldownAgain() async throws {
        let store = try await DatabaseURL.sqlite(.memory).openStore()
        let lifecycle = AlertLifecycle(store: store, cooldownSeconds: 900, correlationSeconds: 120)
        let proposed = alert("anom_20240115_103000_1", "payments", at: 1_705_314_600)
        // The first attempt got as far as the cooldown and the incident, then the insert failed.
        #expect(try await store.admitAlert(proposed.key, at: proposed.detectedAt, cooldownSeconds: 900))
        var progress = AlertLifecycle.Progress(admitted: true, incidentID: "inc_20240115_103000_1")
        // Asked again, the cooldown would refuse the alert it admitted; the retry resumes instead.
        #expect(try await !store.admitAlert(proposed.key, at: proposed.detectedAt, cooldownSeconds: 900))
        let stored = try #require(try await lifecycle.store(proposed, progress: &progress))
        #expect(stored.incidentID == "inc_20240115_103000_1")
        #expect(try await store.alert(anomalyID: proposed.anomalyID)?.incidentID == "inc_20240115_103000_1")
        try await store.close()
    }
}
