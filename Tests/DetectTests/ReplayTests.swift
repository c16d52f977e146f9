import Testing
@testable import Detect

/// A generated incident log replayed message by message, as `vigil analyze` does.
@Suite struct IncidentReplayTests {
    static let services = ["auth", "billing", "payments", "search", "web"]

    struct Message {
        var service: String
        var severity: Int
        var nanoseconds: Int64
        var text: String
    }

    /// Minutes: 0–60 normal (five services, ~1 msg/s each, 1 % errors); 60–66 payments at 30 %
    /// errors; 90–96 search at 20× volume; from 120 three new services.
    static func generate() -> [Message] {
        var random = LCG(state: 42)
        var messages: [Message] = []
        for second in 0..<(130 * 60) {
            let minute = second / 60
            var active = services
            if minute >= 120 { active += ["inventory", "ledger", "shipping"] }
            for (index, service) in active.enumerated() {
                let errorRate = service == "payments" && (60..<66).contains(minute) ? 0.30 : 0.01
                let perSecond = service == "search" && (90..<96).contains(minute) ? 20 : 1
                for n in 0..<perSecond {
                    let isError = random.next() < errorRate
                    let offset = Int64(index * 100_000_000 + n * 1_000_000 + Int(random.next() * 1_000_000))
                    messages.append(
                        Message(
                            service: service,
                            severity: isError ? 3 : 6,
                            nanoseconds: (epochOfTests + Int64(second)) * 1_000_000_000 + offset,
                            text: isError ? "\(service): ERROR upstream timeout" : "\(service): request ok"
                        )
                    )
                }
            }
        }
        return messages
    }

    static func replay(_ messages: [Message]) -> DetectionOutput {
        var detector = Detector()
        var output = DetectionOutput()
        for message in messages {
            output.append(detector.record(
                service: message.service, severity: message.severity, atNanoseconds: message.nanoseconds, text: message.text))
        }
        output.append(detector.advance(toNanoseconds: (epochOfTests + 130 * 60) * 1_000_000_000))
        return output
    }

    @Test func findsEachIncidentOnceAndResolvesIt() throws {
        let messages = Self.generate()
        let output = Self.replay(messages)
        let alerts = output.alerts
        func minute(_ seconds: Int64) -> Double { Double(seconds - epochOfTests) / 60 }
        #expect(alerts.map(\.category) == [.errorSpike, .volumeSpike, .serviceChange], "\(alerts.map { ($0.category, $0.scope, minute($0.detectedAt)) })")

        let spike = try #require(alerts.first { $0.category == .errorSpike })
        let firstError = try #require(messages.first { $0.service == "payments" && $0.severity == 3 && $0.nanoseconds >= (epochOfTests + 3600) * 1_000_000_000 })
        #expect(spike.detectedAt * 1_000_000_000 - firstError.nanoseconds <= 30 * 1_000_000_000, "\(minute(spike.detectedAt))")
        #expect(spike.scope == .service("payments") && spike.windowSeconds == 60)
        #expect(spike.affectedServices == ["payments"])
        #expect(spike.sampleMessages.first == "payments: ERROR upstream timeout")
        #expect(spike.anomalyID.hasPrefix("anom_20240115_"))

        let volume = try #require(alerts.first { $0.category == .volumeSpike })
        #expect(minute(volume.detectedAt) > 90 && minute(volume.detectedAt) <= 91)
        #expect(volume.scope == .service("search"))

        let change = try #require(alerts.first { $0.category == .serviceChange })
        #expect(minute(change.detectedAt) > 120 && minute(change.detectedAt) <= 122)
        #expect(change.anomalies.first?.appearedServices == ["inventory", "ledger", "shipping"])

        // Resolved once their rules stop matching: after the incident ended, before long.
        let resolved = Dictionary(output.resolutions.map { ($0.key, $0.resolvedAt) }, uniquingKeysWith: min)
        let spikeResolved = try #require(resolved[spike.key])
        #expect(minute(spikeResolved) > 66 && minute(spikeResolved) < 75, "\(minute(spikeResolved))")
        let volumeResolved = try #require(resolved[volume.key])
        #expect(minute(volumeResolved) > 96 && minute(volumeResolved) < 105, "\(minute(volumeResolved))")
    }

    @Test func replayIsDeterministic() {
        let messages = Array(Self.generate().prefix(70 * 60 * 5))
        let first = Self.replay(messages)
        #expect(!first.alerts.isEmpty)
        #expect(first == Self.replay(messages))
    }
}

@Suite struct ActiveConditionsTests {
    let key = AlertKey(.errorSpike, .service("payments"))

    @Test func aKeyIsResolvedAfterEnoughQuietJudgedTicks() {
        var conditions = ActiveConditions(resolveAfter: 3)
        #expect(conditions.tick(matched: [key], judged: true, at: 10).isEmpty)
        #expect(conditions.tick(matched: [], judged: true, at: 20).isEmpty)
        #expect(conditions.tick(matched: [], judged: true, at: 30).isEmpty)
        #expect(conditions.tick(matched: [], judged: true, at: 40) == [AlertResolution(key: key, resolvedAt: 40)])
        #expect(!conditions.isActive(key))
    }

    @Test func aMatchStartsTheCountOverAndUnjudgedTicksDoNotCount() {
        var conditions = ActiveConditions(resolveAfter: 3)
        _ = conditions.tick(matched: [key], judged: true, at: 10)
        _ = conditions.tick(matched: [], judged: true, at: 20)
        _ = conditions.tick(matched: [], judged: true, at: 30)
        _ = conditions.tick(matched: [key], judged: true, at: 40)
        _ = conditions.tick(matched: [], judged: false, at: 50)
        _ = conditions.tick(matched: [], judged: true, at: 60)
        _ = conditions.tick(matched: [], judged: true, at: 70)
        #expect(conditions.isActive(key))
        #expect(conditions.tick(matched: [], judged: true, at: 80).map(\.key) == [key])
    }
}

@Suite struct IncidentTests {
    func alert(_ id: String, _ category: AnomalyCategory, _ services: [String], at seconds: Int64, severity: AlertSeverity) -> Alert {
        Alert(
            anomalyID: id, detectedAt: seconds, severity: severity, category: category,
            scope: services.count == 1 ? .service(services[0]) : .overall, windowSeconds: 60, incidentID: "inc_20240115_000100_1",
            affectedServices: services, description: "d", current: ScopeMetrics(errorRate: 0.3, volume: 60, serviceCount: 1),
            baseline: ScopeMetrics(errorRate: 0.01, volume: 60, serviceCount: 1), multiplier: 30, anomalies: [], sampleMessages: [])
    }

    @Test func theJSONHasTheIncidentShape() {
        let incident = Incident(
            incidentID: "inc_20240115_000100_1", openedAt: epochOfTests + 60, lastAlertAt: epochOfTests + 100, resolvedAt: nil,
            alerts: [
                alert("anom_20240115_000100_1", .errorSpike, ["payments"], at: epochOfTests + 60, severity: .high),
                alert("anom_20240115_000140_1", .errorSpike, ["orders"], at: epochOfTests + 100, severity: .medium),
                alert("anom_20240115_000140_2", .newPattern, ["orders"], at: epochOfTests + 100, severity: .medium),
            ])
        let json = incident.json
        #expect(json.hasPrefix(#"{"incident_id":"inc_20240115_000100_1","opened_at":"2024-01-15T00:01:00.000000Z","#))
        #expect(json.contains(#""last_alert_at":"2024-01-15T00:01:40.000000Z","resolved_at":null,"status":"open","#))
        #expect(json.contains(#""services":["payments","orders"],"categories":["error_spike","new_pattern"],"worst_severity":"high","alert_count":3,"alerts":[{"anomaly_id":"anom_20240115_000100_1""#))
        var resolved = incident
        resolved.resolvedAt = epochOfTests + 400
        #expect(resolved.json.contains(#""resolved_at":"2024-01-15T00:06:40.000000Z","status":"resolved""#))
        #expect(Incident.id(openedBy: "anom_20240115_000100_1") == "inc_20240115_000100_1")
    }

    @Test func theAlertJSONCarriesWindowIncidentAndResolution() {
        var one = alert("anom_20240115_000100_1", .errorSpike, ["payments"], at: epochOfTests + 60, severity: .high)
        #expect(one.json.contains(#""window_seconds":60,"incident_id":"inc_20240115_000100_1","resolved_at":null"#))
        one.resolvedAt = epochOfTests + 400
        one.incidentID = nil
        #expect(one.json.contains(#""incident_id":null,"resolved_at":"2024-01-15T00:06:40.000000Z""#))
    }
}
