import Analyze
import Detect
import Store
import Testing

@Suite struct AnalysisOutboxTests {
    /// The queue hands the store the analysed alert's `alert.analyzed` rows with the analysis, so
    /// they are written in its transaction; the announcement sees the analysis applied.
    @Test func recordedAnalysisEnqueuesTheAnnouncedRows() async throws {
        let alert = paymentsAlert(id: "anom_announced")
        try await withAlertStore([alert]) { store in
            let target = NotificationTarget(kind: .webhook, url: "http://127.0.0.1:9/hook")
            let queue = AnalysisQueue(analyzer: SlowAnalyzer(delay: .milliseconds(1)), store: store, announce: { analysed in
                analysed.analysisSource == "claude" ? [OutboxEntry(event: .analyzed, target: target)] : []
            })
            let running = Task { await queue.run() }
            #expect(queue.submit(alert))
            #expect(await queue.waitUntilIdle(timeout: .seconds(10)))
            queue.shutdown()
            await running.value
            let rows = try await store.deliveries(anomalyID: alert.anomalyID)
            #expect(rows.map(\.event) == [.analyzed])
            #expect(rows.map(\.target) == [target])
            #expect(try await stored(alert.anomalyID, in: store)?.rootCause == "slow anom_announced")
        }
    }
}
