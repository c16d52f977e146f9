import Detect
import Synchronization
import Testing
@testable import Store

/// The cooldown per scope, incidents and resolution (``IncidentStore``), for every backend.
extension StoreContract {
    static func cooldownIsPerCategoryAndScope(_ backend: StoreBackend) async throws {
        try await backend.withFreshDatabase { database throws in
            try await withStore(database) { store throws in
                let payments = AlertKey(.errorSpike, .service("payments"))
                let search = AlertKey(.errorSpike, .service("search"))
                #expect(try await store.admitAlert(payments, at: 1_000, cooldownSeconds: 900))
                // Another service alerts at once; the first one's repeat stays silent.
                #expect(try await store.admitAlert(search, at: 1_300, cooldownSeconds: 900))
                #expect(try await !store.admitAlert(payments, at: 1_600, cooldownSeconds: 900))
                #expect(try await store.admitAlert(AlertKey(.errorSpike, .overall), at: 1_600, cooldownSeconds: 900))
                #expect(try await store.admitAlert(AlertKey(.volumeSpike, .service("payments")), at: 1_600, cooldownSeconds: 900))
                #expect(try await store.admitAlert(payments, at: 1_900, cooldownSeconds: 900))
            }
        }
    }

    /// Stores `alert` as `vigil serve` and `vigil analyze` do: its incident, then the row.
    static func record(_ alert: Alert, in store: any VigilStore, correlation: Int64 = 120) async throws -> Alert {
        var stored = alert
        stored.incidentID = try await store.joinIncident(anomalyID: alert.anomalyID, detectedAt: alert.detectedAt, correlationSeconds: correlation)
        try await store.insertAlert(stored)
        return stored
    }

    static func alert(_ id: String, _ service: String, at seconds: Int64, _ category: AnomalyCategory = .errorSpike) -> Alert {
        var alert = sampleAlert(id: id, detectedAt: seconds, category: category)
        alert.scope = .service(service)
        alert.affectedServices = [service]
        return alert
    }

    static func alertsWithinTheCorrelationWindowShareAnIncident(_ backend: StoreBackend) async throws {
        try await backend.withFreshDatabase { database throws in
            try await withStore(database) { store throws in
                let t: Int64 = 1_705_314_600
                let first = try await record(alert("anom_20240115_103000_1", "payments", at: t), in: store)
                let second = try await record(alert("anom_20240115_103040_1", "orders", at: t + 40), in: store)
                let third = try await record(alert("anom_20240115_103240_1", "orders", at: t + 160, .newPattern), in: store)
                let later = try await record(alert("anom_20240115_105000_1", "search", at: t + 1200), in: store)
                #expect(first.incidentID == "inc_20240115_103000_1")
                #expect(second.incidentID == first.incidentID)
                // 120 s after the incident's latest alert (t + 40), not its first: still open.
                #expect(third.incidentID == first.incidentID)
                #expect(later.incidentID == "inc_20240115_105000_1")
                // Asking again for the same alert gives the same incident.
                #expect(try await store.joinIncident(anomalyID: second.anomalyID, detectedAt: t + 40, correlationSeconds: 120) == first.incidentID)

                let recent = try await store.recentIncidents(limit: 10)
                #expect(recent.map(\.incidentID) == ["inc_20240115_105000_1", "inc_20240115_103000_1"])
                let incident = try #require(try await store.incident(id: "inc_20240115_103000_1"))
                #expect(incident.alerts.map(\.anomalyID) == [first.anomalyID, second.anomalyID, third.anomalyID])
                #expect(incident.openedAt == t && incident.lastAlertAt == t + 160 && incident.resolvedAt == nil)
                #expect(incident.services == ["payments", "orders"])
                #expect(incident.categories == [.errorSpike, .newPattern])
                #expect(incident.alerts.allSatisfy { $0.incidentID == incident.incidentID && $0.windowSeconds == 60 })
                #expect(try await store.incident(id: "inc_missing") == nil)
                #expect(try await store.recentIncidents(limit: 1).count == 1)
                // The alert reads back with its incident and scope.
                let read = try #require(try await store.alert(anomalyID: second.anomalyID))
                #expect(read.incidentID == first.incidentID && read.scope == .service("orders") && read.resolvedAt == nil)
            }
        }
    }

    static func resolvingAKeyResolvesItsAlertsAndClosesTheIncident(_ backend: StoreBackend) async throws {
        try await backend.withFreshDatabase { database throws in
            try await withStore(database) { store throws in
                let t: Int64 = 1_705_314_600
                let payments = try await record(alert("anom_20240115_103000_1", "payments", at: t), in: store)
                let orders = try await record(alert("anom_20240115_103040_1", "orders", at: t + 40), in: store)
                #expect(Set(try await store.unresolvedAlertKeys()) == [payments.key, orders.key])
                // A key without active alerts, or an alert raised after the time: nothing.
                #expect(try await store.resolveAlerts(AlertKey(.volumeSpike, .service("payments")), at: t + 500).isEmpty)
                #expect(try await store.resolveAlerts(orders.key, at: t + 10).isEmpty)

                #expect(try await store.resolveAlerts(payments.key, at: t + 400) == [payments.anomalyID])
                #expect(try await store.alert(anomalyID: payments.anomalyID)?.resolvedAt == t + 400)
                // Resolved once: a second resolution does not move resolved_at.
                #expect(try await store.resolveAlerts(payments.key, at: t + 600).isEmpty)
                var incident = try #require(try await store.incident(id: payments.incidentID ?? ""))
                #expect(incident.resolvedAt == nil)  // orders is still active

                #expect(try await store.resolveAlerts(orders.key, at: t + 500) == [orders.anomalyID])
                incident = try #require(try await store.incident(id: payments.incidentID ?? ""))
                #expect(incident.resolvedAt == t + 500)
                #expect(incident.json.contains(#""status":"resolved""#))
                #expect(try await store.unresolvedAlertKeys().isEmpty)

                // A new alert joining the incident opens it again.
                _ = try await record(alert("anom_20240115_103440_1", "billing", at: t + 280), in: store, correlation: 300)
                #expect(try await store.incident(id: payments.incidentID ?? "")?.resolvedAt == nil)
            }
        }
    }

    static func resolvingEnqueuesEachResolvedAlertsRowsInTheSameWrite(_ backend: StoreBackend) async throws {
        try await backend.withFreshDatabase { database throws in
            try await withStore(database) { store throws in
                let t: Int64 = 1_705_314_600
                let first = try await record(alert("anom_20240115_103000_1", "payments", at: t), in: store)
                let repeat_ = try await record(alert("anom_20240115_110000_1", "payments", at: t + 1800), in: store)
                let target = NotificationTarget(kind: .webhook, url: "https://ops.example.com/hooks/vigil")
                let notified = Mutex<[String]>([])
                let resolved = try await store.resolveAlerts(AlertKey(.errorSpike, .service("payments")), at: t + 2000) { alert in
                    notified.withLock { $0.append(alert.anomalyID) }
                    #expect(alert.resolvedAt == t + 2000)
                    return [OutboxEntry(event: .resolved, target: target)]
                }
                #expect(resolved == [first.anomalyID, repeat_.anomalyID])
                #expect(notified.withLock { $0.sorted() } == resolved)
                for id in resolved {
                    #expect(try await store.deliveries(anomalyID: id).map(\.deliveryID) == ["\(id):alert.resolved"])
                }
                // Nothing left to resolve: nothing enqueued.
                #expect(try await store.resolveAlerts(AlertKey(.errorSpike, .service("payments")), at: t + 3000) { _ in
                    [OutboxEntry(event: .resolved, target: target)]
                }.isEmpty)
                #expect(try await store.pendingDeliveryCount() == 2)
            }
        }
    }

    static func twoStoresJoiningAtOnceOpenOneIncident(_ backend: StoreBackend) async throws {
        try await backend.withFreshDatabase { database throws in
            try await withStore(database) { first throws in
                try await withStore(database) { second throws in
                    for round in 0..<10 {
                        let instant = 1_705_314_600 + Int64(round) * 10_000
                        async let a = first.joinIncident(anomalyID: "anom_a_\(round)", detectedAt: instant, correlationSeconds: 120)
                        async let b = second.joinIncident(anomalyID: "anom_b_\(round)", detectedAt: instant + 1, correlationSeconds: 120)
                        let ids = try await [a, b]
                        #expect(ids[0] == ids[1], "round \(round): \(ids)")
                    }
                }
            }
        }
    }
}
