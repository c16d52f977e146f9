import Detect
import Ingest
import Logging
import Store
import Synchronization
import Testing
@testable import vigil

/// Live detection is one loop for a single instance and a cluster member; only the ``TickSource``
/// differs. These drive it with a scripted source on the wall clock (1-s ticks, a few seconds).
@Suite(.serialized) struct LiveDetectionTests {
    /// A source that follows for its first `followTicks` boundaries (a cluster follower), then
    /// judges — starting from `start` — a tick of `volume` messages of service "a" per boundary.
    final class ScriptedSource: TickSource {
        let followTicks: Int
        let volume: Int
        let start: DetectionStart
        let calls = Mutex(0)
        let followed = Mutex(0)

        init(followTicks: Int, volume: Int, start: DetectionStart) {
            self.followTicks = followTicks
            self.volume = volume
            self.start = start
        }

        func feed(at boundary: Int64, observed: Int64?) async -> TickFeed {
            let call = calls.withLock { value in
                value += 1
                return value
            }
            if call <= followTicks {
                followed.withLock { $0 += 1 }
                return .follow(templates: TemplateWindow())
            }
            var counts = SeverityCounts()
            counts.add(severity: 6, count: volume)
            var begin = start
            begin.observedSince = boundary - 10
            return .judge(TickBatch(ticks: [(tick: boundary - 1, counts: [("a", counts)])], templates: TemplateWindow(),
                                    start: call == followTicks + 1 ? begin : nil))
        }

        func finish(at boundary: Int64, observed: Int64?) async -> TickFeed { .skip }
        func close(at now: Int64) async {}
        func templatesToStore(pruneBefore: Int64?) -> [PersistentTemplate]? { nil }
        func activity(endingAtTick lastTick: Int64) async -> [ServiceActivity]? { nil }
        func baselinesJudgedElsewhere(at boundary: Int64) async -> [Baseline] { start.baselines }
    }

    static let configuration = DetectionConfiguration(windows: [2], tickSeconds: 1, minimumVolume: 10, minimumBaselineWindows: 3)

    /// Learned: about 10 messages of "a" per 2-s window.
    static let learned = DetectionStart(baselines: [
        Baseline(scope: .overall, windowSeconds: 2, volume: 10, serviceCount: 1, windowsObserved: 5),
        Baseline(scope: .service("a"), windowSeconds: 2, volume: 10, serviceCount: 1, windowsObserved: 5),
    ], unresolved: [])

    /// Runs detection until `source` has been asked `ticks` times, then shuts it down as
    /// `vigil serve` does; returns the store.
    func run(_ source: ScriptedSource, ticks: Int) async throws -> any VigilStore {
        let store = try await DatabaseURL.sqlite(.memory).openStore()
        let writer = AlertWriter(store: store, cooldownSeconds: 900, correlationSeconds: 120, logger: Logger(label: "vigil.tests"))
        let detection = LiveDetection(source: source, writer: writer, configuration: Self.configuration)
        let task = Task { await detection.run(start: nil) }
        for _ in 0..<200 where source.calls.withLock({ $0 }) < ticks {
            try await Task.sleep(for: .milliseconds(50))
        }
        task.cancel()
        await task.value
        await writer.flush()
        await detection.close()
        return store
    }

    @Test func aFollowerWritesNoAlertsNorBaselines() async throws {
        let source = ScriptedSource(followTicks: 100, volume: 500, start: Self.learned)
        let store = try await run(source, ticks: 2)
        #expect(source.followed.withLock { $0 } >= 2)
        #expect(try await store.recentAlerts(limit: 10).isEmpty)
        #expect(try await store.loadBaselines(windows: [2]).isEmpty)
        try await store.close()
    }

    /// Elected after following, it starts from the state it is handed and judges the ticks it is
    /// given (a cluster's sum): one alert, whose volume is the count handed over.
    @Test func anElectedMemberJudgesFromTheStartItIsHanded() async throws {
        let source = ScriptedSource(followTicks: 1, volume: 400, start: Self.learned)
        let store = try await run(source, ticks: 3)
        let alerts = try await store.recentAlerts(limit: 10)
        #expect(alerts.count == 1)
        let alert = try #require(alerts.first)
        #expect(alert.category == .volumeSpike)
        #expect(alert.affectedServices == ["a"])
        #expect(alert.current.volume >= 400)
        #expect(alert.incidentID != nil)
        // The baselines it learned are stored (by the judging member only).
        #expect(try await !store.loadBaselines(windows: [2]).isEmpty)
        try await store.close()
    }
}
