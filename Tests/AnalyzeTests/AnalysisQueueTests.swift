import Analyze
import Detect
import MetricsTestKit
import Store
import Synchronization
import Testing

/// An analyzer that takes `delay` per alert and remembers how many ran at once.
final class SlowAnalyzer: AlertAnalyzer {
    let delay: Duration
    private let state = Mutex((running: 0, peak: 0, started: [String]()))

    init(delay: Duration) { self.delay = delay }

    var peak: Int { state.withLock { $0.peak } }
    var started: [String] { state.withLock { $0.started } }

    func analyze(_ alert: Alert) async -> AlertAnalysis {
        state.withLock {
            $0.running += 1
            $0.peak = max($0.peak, $0.running)
            $0.started.append(alert.anomalyID)
        }
        defer { state.withLock { $0.running -= 1 } }
        do {
            try await Task.sleep(for: delay)
        } catch {
            return AlertAnalysis(rootCause: nil, impact: nil, recommendedActions: [], confidence: nil, source: "offline", error: "cancelled")
        }
        return AlertAnalysis(rootCause: "slow \(alert.anomalyID)", impact: "i", recommendedActions: ["a"], confidence: 0.5, source: "claude")
    }
}

@Suite struct AnalysisQueueTests {
    @Test func submitNeverWaitsAndAFullQueueSendsTheOldestOffline() async throws {
        let alerts = (0..<10).map { paymentsAlert(id: "anom_\($0)") }
        try await withAlertStore(alerts) { store in
            let analyzer = SlowAnalyzer(delay: .milliseconds(500))
            let finished = Mutex<[String]>([])
            let metrics = TestMetrics()
            let queue = AnalysisQueue(
                analyzer: analyzer, store: store, capacity: 3, concurrency: 2, metrics: AnalysisMetrics(factory: metrics)
            ) { alert in
                finished.withLock { $0.append(alert.anomalyID) }
            }
            let running = Task { await queue.run() }
            // The first two keep both workers busy …
            for alert in alerts.prefix(2) { #expect(queue.submit(alert)) }
            let clock = ContinuousClock()
            let busy = clock.now + .seconds(10)
            while analyzer.started.count < 2, clock.now < busy { try await Task.sleep(for: .milliseconds(5)) }
            // … while eight more arrive: none waits for an analysis (each takes 500 ms).
            let started = clock.now
            for alert in alerts.dropFirst(2) { #expect(queue.submit(alert)) }
            #expect(started.duration(to: clock.now) < .milliseconds(250))
            #expect(await queue.waitUntilIdle(timeout: .seconds(10)))
            queue.shutdown()
            await running.value

            // 2 in flight, 3 waiting, the 5 oldest waiting ones pushed out by newer ones.
            #expect(queue.counts == AnalysisQueue.Counts(submitted: 10, finished: 10, dropped: 5, abandoned: 0))
            #expect(metrics.counterTotal(label: "vigil_analysis_dropped_total") == 5)
            #expect(metrics.counterTotal(label: "vigil_analysis_results_total", dimensions: [("source", "offline")]) == 5)
            #expect(try metrics.expectGauge("vigil_analysis_queue_depth").lastValue == 0)
            #expect(try metrics.expectGauge("vigil_analysis_queue_depth").values.max() == 3)
            #expect(analyzer.peak <= 2)
            #expect(Set(analyzer.started) == ["anom_0", "anom_1", "anom_7", "anom_8", "anom_9"])
            #expect(finished.withLock { Set($0) } == Set(alerts.map(\.anomalyID)))
            let stored = try await store.recentAlerts(limit: 20)
            let dropped = stored.filter { $0.analysisSource == "offline" }
            #expect(Set(dropped.map(\.anomalyID)) == ["anom_2", "anom_3", "anom_4", "anom_5", "anom_6"])
            #expect(dropped.allSatisfy { $0.analysisError == "analysis queue full: offline summary instead" && $0.rootCause != nil })
            #expect(stored.filter { $0.analysisSource == "claude" }.count == 5)
            #expect(!stored.contains { $0.analysisSource == "pending" })
        }
    }

    @Test func shutdownLeavesNothingPending() async throws {
        let alerts = (0..<4).map { paymentsAlert(id: "anom_\($0)") }
        try await withAlertStore(alerts) { store in
            let analyzer = SlowAnalyzer(delay: .seconds(30))
            let queue = AnalysisQueue(analyzer: analyzer, store: store, capacity: 10, concurrency: 1)
            let running = Task { await queue.run() }
            for alert in alerts { queue.submit(alert) }
            #expect(await !queue.waitUntilIdle(timeout: .milliseconds(200)))
            let clock = ContinuousClock()
            let started = clock.now
            queue.shutdown(reason: "stopped by the test")
            await running.value
            #expect(started.duration(to: clock.now) < .seconds(5))
            #expect(!queue.submit(paymentsAlert(id: "anom_late")))
            let stored = try await store.recentAlerts(limit: 10)
            #expect(stored.count == 4)
            #expect(stored.allSatisfy { $0.analysisSource == "offline" && $0.analysisError == "stopped by the test" })
            #expect(queue.isIdle)
        }
    }

    @Test func cancellingTheRunnerShutsDown() async throws {
        let alert = paymentsAlert()
        try await withAlertStore([alert]) { store in
            let queue = AnalysisQueue(analyzer: SlowAnalyzer(delay: .seconds(30)), store: store)
            let running = Task { await queue.run() }
            queue.submit(alert)
            try await Task.sleep(for: .milliseconds(100))
            running.cancel()
            await running.value
            #expect(queue.isIdle)
            #expect(!queue.submit(alert))
        }
    }

    @Test func withoutAKeyEveryAlertGetsTheOfflineSummary() async throws {
        let alert = paymentsAlert()
        try await withAlertStore([alert]) { store in
            let queue = AnalysisQueue.make(configuration: AnalyzerConfiguration(), store: store)
            let running = Task { await queue.run() }
            queue.submit(alert)
            #expect(await queue.waitUntilIdle(timeout: .seconds(5)))
            queue.shutdown()
            await running.value
            let analysed = try #require(try await stored(alert.anomalyID, in: store))
            #expect(analysed.analysisSource == "offline")
            #expect(analysed.analysisError == nil)
            #expect(analysed.rootCause?.isEmpty == false)
            #expect(analysed == alert.applying(OfflineAnalyzer().analysis(of: alert)))
        }
    }

    @Test func aStoreThatLostTheAlertIsCountedNotFatal() async throws {
        try await withAlertStore([]) { store in
            let finished = Mutex(0)
            let queue = AnalysisQueue(analyzer: OfflineAnalyzer(), store: store) { _ in finished.withLock { $0 += 1 } }
            let running = Task { await queue.run() }
            queue.submit(paymentsAlert(id: "anom_never_stored"))
            #expect(await queue.waitUntilIdle(timeout: .seconds(5)))
            queue.shutdown()
            await running.value
            #expect(finished.withLock { $0 } == 1)
        }
    }
}

/// An analyzer whose Claude never answers: it waits out the deadline it is given.
struct HangingAnalyzer: AlertAnalyzer {
    func analyze(_ alert: Alert) async -> AlertAnalysis {
        await analyze(alert, deadline: .now + .seconds(30))
    }

    func analyze(_ alert: Alert, deadline: ContinuousClock.Instant) async -> AlertAnalysis {
        try? await Task.sleep(until: deadline)
        return AlertAnalysis(rootCause: "r", impact: nil, recommendedActions: [], confidence: nil, source: "offline", error: "no answer")
    }
}

@Suite struct AnalysisDeadlineTests {
    /// With one worker and three alerts at once, the later two would wait for the first's whole
    /// deadline each (3 deadlines in all); the deadline runs from submission instead, so all
    /// three are done about one deadline after they were submitted. The bound leaves 1.5
    /// deadlines of slack for a loaded machine (parallel tests on 2 cores).
    @Test func theDeadlineCountsTheTimeInTheQueue() async throws {
        let alerts = (0..<3).map { paymentsAlert(id: "anom_d\($0)") }
        try await withAlertStore(alerts) { store in
            let deadline = Duration.seconds(1)
            let queue = AnalysisQueue(
                analyzer: HangingAnalyzer(), store: store, capacity: 10, concurrency: 1, deadline: deadline)
            let running = Task { await queue.run() }
            let clock = ContinuousClock()
            let started = clock.now
            for alert in alerts { #expect(queue.submit(alert)) }
            #expect(await queue.waitUntilIdle(timeout: .seconds(10)))
            let elapsed = started.duration(to: clock.now)
            queue.shutdown()
            await running.value
            #expect(elapsed < deadline * 2.5, "took \(elapsed): more than one deadline")
            let stored = Dictionary(uniqueKeysWithValues: try await store.recentAlerts(limit: 10).map { ($0.anomalyID, $0) })
            // The first was analysed (the stand-in waited out its deadline) unless the machine was
            // so slow that even it waited past the deadline in the queue.
            let waited = "waited in the analysis queue past the 1.0 s deadline"
            #expect(stored["anom_d0"]?.analysisError == "no answer" || stored["anom_d0"]?.analysisError?.contains(waited) == true)
            for id in ["anom_d1", "anom_d2"] {
                #expect(stored[id]?.analysisSource == "offline")
                #expect(stored[id]?.analysisError?.contains(waited) == true)
            }
        }
    }
}
