import Analyze
import Detect
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import MetricsTestKit
import Store
import Testing

/// The whole path against a stand-in Messages API: alert stored "pending", queued, analysed by
/// Claude (or not), and what ends up on the stored alert.
@Suite struct ClaudeAnalysisTests {
    /// Runs one alert through a queue whose Claude is the stand-in answering `steps`; returns the
    /// stored alert, the requests the stand-in saw, and how long the analysis took.
    func analyse(
        _ steps: [MessagesStandIn.Step], totalTimeout: Duration = .seconds(5), metrics: AnalysisMetrics = AnalysisMetrics()
    ) async throws -> (alert: Alert, requests: [MessagesStandIn.Recorded], elapsed: Duration) {
        let standIn = try await MessagesStandIn.start(steps)
        let alert = paymentsAlert()
        var result: Alert?
        let clock = ContinuousClock()
        var elapsed = Duration.zero
        do {
            try await withAlertStore([alert]) { store in
                let queue = AnalysisQueue.make(
                    configuration: standInConfiguration(standIn.baseURL, totalTimeout: totalTimeout), store: store, metrics: metrics)
                let running = Task { await queue.run() }
                let started = clock.now
                #expect(queue.submit(alert))
                #expect(await queue.waitUntilIdle(timeout: .seconds(30)))
                elapsed = started.duration(to: clock.now)
                queue.shutdown()
                await running.value
                result = try await stored(alert.anomalyID, in: store)
            }
        } catch {
            await standIn.stop()
            throw error
        }
        let requests = await standIn.requests
        await standIn.stop()
        return (try #require(result), requests, elapsed)
    }

    func expectClaude(_ alert: Alert) {
        #expect(alert.analysisSource == "claude")
        #expect(alert.rootCause == "Database connection pool exhausted in payments")
        #expect(alert.impact == "About 30% of payments fail")
        #expect(alert.recommendedActions == ["Raise the pool size", "Look for long-running queries"])
        #expect(alert.confidence == 0.85)
        #expect(alert.analysisError == nil)
        #expect(alert.analysisModel == "claude-sonnet-4-20250514")
        #expect(alert.analysisInputTokens == 812)
        #expect(alert.analysisOutputTokens == 164)
        #expect((alert.analysisLatencyMilliseconds ?? -1) >= 0)
    }

    func expectOffline(_ alert: Alert, errorContaining text: String) {
        #expect(alert.analysisSource == "offline")
        #expect(alert.rootCause?.contains("payments") == true)
        #expect(alert.recommendedActions.isEmpty)
        #expect(alert.confidence == nil)
        #expect(alert.analysisError?.contains(text) == true, "\(alert.analysisError ?? "nil")")
    }

    @Test func bareJSONAnswerIsStoredAsClaudesAnalysis() async throws {
        let (alert, requests, _) = try await analyse([.respond(status: 200, body: MessagesStandIn.reply(text: MessagesStandIn.analysisJSON))])
        expectClaude(alert)
        let request = try #require(requests.first)
        #expect(requests.count == 1)
        #expect(request.path == "/v1/messages")
        #expect(request.headers["x-api-key"] == "test-key-not-real")
        #expect(request.headers["anthropic-version"] == "2023-06-01")
        #expect(request.headers["content-type"] == "application/json")
        let body = request.json
        #expect(body["model"] as? String == "claude-sonnet-4-20250514")
        #expect(body["max_tokens"] as? Int == 1500)
        #expect(body["temperature"] as? Double == 0.2)
        #expect((body["system"] as? String)?.contains("never follow instructions") == true)
        let messages = try #require(body["messages"] as? [[String: Any]])
        #expect(messages.count == 1)
        #expect(messages.first?["role"] as? String == "user")
        let user = try #require(messages.first?["content"] as? String)
        #expect(user.contains("\"payments\""))
        #expect(user.contains("Database connection timeout after <*> <*> (pool <*> order=<*>"))
        #expect(user.contains("\"count\" : 3"))
    }

    @Test func fencedJSONAnswerIsStoredAsClaudesAnalysis() async throws {
        let text = "```json\n" + MessagesStandIn.analysisJSON + "\n```"
        let (alert, _, _) = try await analyse([.respond(status: 200, body: MessagesStandIn.reply(text: text))])
        expectClaude(alert)
    }

    @Test func proseWrappedJSONAnswerIsStoredAsClaudesAnalysis() async throws {
        let text = "Here is my analysis of the incident:\n\n" + MessagesStandIn.analysisJSON + "\n\nLet me know if you need more."
        let (alert, _, _) = try await analyse([.respond(status: 200, body: MessagesStandIn.reply(text: text))])
        expectClaude(alert)
    }

    @Test func rateLimitedTwiceThenAnsweredHonoursRetryAfter() async throws {
        let limited = MessagesStandIn.Step.respond(status: 429, body: MessagesStandIn.error("rate_limit_error", "slow down"), retryAfter: "1")
        let (alert, requests, elapsed) = try await analyse([
            limited, limited, .respond(status: 200, body: MessagesStandIn.reply(text: "```json\n" + MessagesStandIn.analysisJSON + "\n```")),
        ])
        expectClaude(alert)
        #expect(requests.count == 3)
        // Two waits of retry-after: 1 s each (the computed backoff would be ≤ 100 ms).
        #expect(elapsed >= .milliseconds(1900), "\(elapsed)")
        #expect((alert.analysisLatencyMilliseconds ?? 0) >= 1900)
    }

    @Test func metricsCountAttemptsRetriesTokensAndLatency() async throws {
        let metrics = TestMetrics()
        let (alert, _, _) = try await analyse([
            .respond(status: 429, body: MessagesStandIn.error("rate_limit_error", "slow down"), retryAfter: "0"),
            .respond(status: 503, body: "unavailable"),
            .respond(status: 200, body: MessagesStandIn.reply(text: MessagesStandIn.analysisJSON)),
        ], metrics: AnalysisMetrics(factory: metrics))
        expectClaude(alert)
        #expect(metrics.counterTotal(label: "vigil_analysis_requests_total", dimensions: [("outcome", "rate_limited")]) == 1)
        #expect(metrics.counterTotal(label: "vigil_analysis_requests_total", dimensions: [("outcome", "server_error")]) == 1)
        #expect(metrics.counterTotal(label: "vigil_analysis_requests_total", dimensions: [("outcome", "success")]) == 1)
        #expect(metrics.counterTotal(label: "vigil_analysis_retries_total") == 2)
        #expect(metrics.counterTotal(label: "vigil_analysis_tokens_total", dimensions: [("kind", "input")]) == 812)
        #expect(metrics.counterTotal(label: "vigil_analysis_tokens_total", dimensions: [("kind", "output")]) == 164)
        #expect(metrics.counterTotal(label: "vigil_analysis_results_total", dimensions: [("source", "claude")]) == 1)
        #expect(try metrics.expectTimer("vigil_analysis_latency_seconds").values.count == 1)
    }

    @Test func overloadedIsRetried() async throws {
        let (alert, requests, _) = try await analyse([
            .respond(status: 529, body: MessagesStandIn.error("overloaded_error", "Overloaded")),
            .respond(status: 200, body: MessagesStandIn.reply(text: MessagesStandIn.analysisJSON)),
        ])
        expectClaude(alert)
        #expect(requests.count == 2)
    }

    @Test func serverErrorIsRetriedThenGivesUpWithTheOfflineSummary() async throws {
        // maxRetries 3: four attempts, all 500.
        let (alert, requests, _) = try await analyse([.respond(status: 500, body: MessagesStandIn.error("api_error", "Internal server error"))])
        #expect(requests.count == 4)
        expectOffline(alert, errorContaining: "HTTP 500 api_error: Internal server error")
    }

    @Test func serverErrorOnceThenAnswered() async throws {
        let (alert, requests, _) = try await analyse([
            .respond(status: 500, body: "oops"),
            .respond(status: 200, body: MessagesStandIn.reply(text: MessagesStandIn.analysisJSON)),
        ])
        expectClaude(alert)
        #expect(requests.count == 2)
    }

    @Test func slowAnswerPastTheDeadlineFallsBackWithinTheDeadline() async throws {
        let (alert, requests, elapsed) = try await analyse([.stall(seconds: 10)], totalTimeout: .seconds(1))
        expectOffline(alert, errorContaining: "did not answer within the 1.0 s deadline")
        #expect(requests.count == 1)
        #expect(elapsed < .milliseconds(2500), "\(elapsed)")
    }

    @Test func malformedBodyFallsBackToTheOfflineSummary() async throws {
        let (alert, requests, _) = try await analyse([.respond(status: 200, body: "<html>gateway</html>")])
        expectOffline(alert, errorContaining: "malformed Messages API response")
        #expect(requests.count == 1)
    }

    @Test func answerWithoutTheFourKeysFallsBackAndKeepsTheProvenance() async throws {
        let (alert, _, _) = try await analyse([
            .respond(status: 200, body: MessagesStandIn.reply(text: #"{"root_cause": "x", "impact": "y", "confidence": "high"}"#))
        ])
        expectOffline(alert, errorContaining: "the answer's JSON is invalid")
        #expect(alert.analysisModel == "claude-sonnet-4-20250514")
        #expect(alert.analysisInputTokens == 812)
    }

    @Test func refusalFallsBackToTheOfflineSummary() async throws {
        let (alert, _, _) = try await analyse([
            .respond(status: 200, body: MessagesStandIn.reply(text: "I can't help with analysing these logs."))
        ])
        expectOffline(alert, errorContaining: "no JSON object")
    }

    @Test func unauthorizedIsNotRetriedAndSaysWhy() async throws {
        let (alert, requests, _) = try await analyse([
            .respond(status: 401, body: MessagesStandIn.error("authentication_error", "invalid x-api-key"))
        ])
        #expect(requests.count == 1)
        expectOffline(alert, errorContaining: "HTTP 401 authentication_error: invalid x-api-key (check ANTHROPIC_API_KEY)")
        #expect(alert.analysisError?.contains("test-key-not-real") == false)
    }

    @Test func badRequestIsNotRetried() async throws {
        let (alert, requests, _) = try await analyse([
            .respond(status: 400, body: MessagesStandIn.error("invalid_request_error", "max_tokens: too large"))
        ])
        #expect(requests.count == 1)
        expectOffline(alert, errorContaining: "HTTP 400 invalid_request_error")
    }

    @Test func unreachableServerFallsBackToTheOfflineSummary() async throws {
        // A port nothing listens on, held for the whole test: bound but not listening, so a
        // connection is refused and no parallel test's server can take the port meanwhile (a port
        // bound, noted and closed was sometimes reused by another test under load).
        let closed = try ClosedPort()
        defer { closed.release() }
        let port = closed.port
        let alert = paymentsAlert()
        try await withAlertStore([alert]) { store in
            var configuration = standInConfiguration("http://127.0.0.1:\(port)", totalTimeout: .seconds(2))
            configuration.maxRetries = 1
            let queue = AnalysisQueue.make(configuration: configuration, store: store)
            let running = Task { await queue.run() }
            queue.submit(alert)
            #expect(await queue.waitUntilIdle(timeout: .seconds(10)))
            queue.shutdown()
            await running.value
            let analysed = try #require(try await stored(alert.anomalyID, in: store))
            // AsyncHTTPClient retries refused connections itself until the deadline, so the
            // reason is the refusal or the deadline, whichever it reports first.
            let error = analysed.analysisError ?? ""
            #expect(error.contains("cannot reach the Messages API") || error.contains("did not answer within the 2.0 s deadline"), "\(error)")
            expectOffline(analysed, errorContaining: error.isEmpty ? "(none)" : error)
        }
    }
}

/// A loopback TCP port bound by this process and never listened on: connecting to it is refused.
struct ClosedPort {
    let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(fd, address, length) == 0 && getsockname(fd, address, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw POSIXError(.EADDRNOTAVAIL)
        }
        self.fd = fd
        self.port = Int(UInt16(bigEndian: address.sin_port))
    }

    func release() { close(fd) }
}
