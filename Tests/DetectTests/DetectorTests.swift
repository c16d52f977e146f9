import Testing
@testable import Detect

@Suite struct DetectorTests {
    let normal = WindowStats(services: [
        "a": counts(total: 300, errors: 3), "b": counts(total: 300, errors: 3), "c": counts(total: 300, errors: 3),
        "d": counts(total: 300, errors: 3), "e": counts(total: 300, errors: 3),
    ])

    func spiking(_ stats: WindowStats, _ service: String) -> WindowStats {
        var stats = stats
        stats.services[service] = counts(total: 300, errors: 90)
        return WindowStats(services: stats.services)
    }

    @Test func nothingFiresBeforeABaselineExists() {
        var detector = Detector()
        let t0 = epochOfTests
        // Spiking from the start: the first window has nothing to compare with, and once learned
        // the spike *is* the baseline.
        for tick in Int64(1)...60 {
            #expect(detector.evaluate(at: t0 + tick * 10, window: spiking(normal, "a")).isEmpty)
        }
        // Watching began at t0 + 10, so the window ending at t0 + 300 was not seen whole and
        // only the one ending at t0 + 600 was learned.
        #expect(detector.baselines[.overall]?.windowsObserved == 1)
        #expect(detector.baselines[.service("a")] != nil)
    }

    @Test func aRestoredBaselineIsUsedOnlyAfterAWholeObservedWindow() {
        let restored = [Baseline(scope: .overall, windowSeconds: 300, errorRate: 0.01, volume: 1500, serviceCount: 5, windowsObserved: 12)]
        var detector = Detector(baselines: restored)
        let t0 = epochOfTests + 10
        let stats = spiking(normal, "a")
        #expect(detector.evaluate(at: t0, window: stats).isEmpty)
        #expect(detector.evaluate(at: t0 + 290, window: stats).isEmpty)
        let alerts = detector.evaluate(at: t0 + 300, window: stats)
        #expect(alerts.map(\.category) == [.errorSpike])
        #expect(alerts.first?.affectedServices == ["a"])
    }

    @Test func baselinesLearnOncePerCompletedWindow() {
        var detector = Detector(observingSince: epochOfTests)
        for tick in Int64(1)...90 { _ = detector.evaluate(at: epochOfTests + tick * 10, window: normal) }
        // Ticks 30, 60, 90 end windows 1, 2, 3.
        #expect(detector.baselines[.overall]?.windowsObserved == 3)
        #expect(detector.baselines[.overall]?.lastWindowEnd == epochOfTests + 900)
        #expect(detector.baselines[.service("c")]?.volume == 300)
        #expect(detector.previousWindowServices == ["a", "b", "c", "d", "e"])
    }

    @Test func theCooldownHoldsAcrossTicksAndCategoriesAreSeparate() {
        let restored = [
            Baseline(scope: .overall, windowSeconds: 300, errorRate: 0.01, volume: 1500, serviceCount: 5, windowsObserved: 3)
        ]
        var detector = Detector(baselines: restored, observingSince: epochOfTests)
        var stats = spiking(normal, "a")
        let t = epochOfTests + 310
        #expect(detector.evaluate(at: t, window: stats).map(\.category) == [.errorSpike])
        #expect(detector.evaluate(at: t + 10, window: stats).isEmpty)
        stats.services["a"] = counts(total: 30_000, errors: 9000)
        #expect(detector.evaluate(at: t + 20, window: WindowStats(services: stats.services)).map(\.category) == [.volumeSpike])
    }

    @Test func serviceChangeNamesAppearedAndVanishedServicesAgainstThePreviousWindow() throws {
        var detector = Detector(observingSince: epochOfTests)
        _ = detector.evaluate(at: epochOfTests + 300, window: normal)
        var changed = normal.services
        changed["d"] = SeverityCounts()
        changed["e"] = nil
        for name in ["x", "y", "z", "w", "v"] { changed[name] = counts(total: 300, errors: 3) }
        let alerts = detector.evaluate(at: epochOfTests + 310, window: WindowStats(services: changed))
        let alert = try #require(alerts.first { $0.category == .serviceChange })
        let anomaly = try #require(alert.anomalies.first)
        #expect(anomaly.appearedServices == ["v", "w", "x", "y", "z"])
        #expect(anomaly.vanishedServices == ["d", "e"])
        #expect(alert.severity == .medium)
        #expect(alert.description.contains("vanished: d, e"))
    }
}

/// A generated incident log replayed message by message, as `vigil analyze` will.
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

    @Test func findsEachIncidentOnce() throws {
        var detector = Detector()
        var alerts: [Alert] = []
        for message in Self.generate() {
            alerts += detector.record(
                service: message.service,
                severity: message.severity,
                atNanoseconds: message.nanoseconds,
                text: message.text
            )
        }
        alerts += detector.advance(toNanoseconds: (epochOfTests + 130 * 60) * 1_000_000_000)

        func minute(_ alert: Alert) -> Double { Double(alert.detectedAt - epochOfTests) / 60 }
        #expect(alerts.map(\.category) == [.errorSpike, .volumeSpike, .serviceChange], "\(alerts.map { ($0.category, minute($0)) })")

        let spike = try #require(alerts.first { $0.category == .errorSpike })
        #expect(minute(spike) > 60 && minute(spike) <= 66)
        #expect(spike.affectedServices.first == "payments")
        #expect(spike.sampleMessages.first == "payments: ERROR upstream timeout")
        #expect(spike.sampleMessages.count == 10)
        #expect(spike.anomalyID.hasPrefix("anom_20240115_"))

        let volume = try #require(alerts.first { $0.category == .volumeSpike })
        #expect(minute(volume) > 90 && minute(volume) <= 96)
        #expect(volume.affectedServices.first == "search")

        let change = try #require(alerts.first { $0.category == .serviceChange })
        #expect(minute(change) > 120 && minute(change) <= 125)
        #expect(change.anomalies.first?.appearedServices == ["inventory", "ledger", "shipping"])
    }

    @Test func replayIsDeterministic() {
        func run() -> [Alert] {
            var detector = Detector()
            var alerts: [Alert] = []
            for message in Self.generate().prefix(70 * 60 * 5) {
                alerts += detector.record(service: message.service, severity: message.severity, atNanoseconds: message.nanoseconds)
            }
            return alerts
        }
        let first = run()
        #expect(!first.isEmpty)
        #expect(first == run())
    }
}
