import API
import Detect
import Foundation
import History
import Hummingbird
import HummingbirdTesting
import Logging
import Store
import Testing

@Suite struct HistoryEndpointTests {
    static let m0: Int64 = 1_705_314_600  // 2024-01-15T10:30:00Z

    static func counts(info: Int, errors: Int) -> SeverityCounts {
        var counts = SeverityCounts()
        counts.add(severity: 6, count: info)
        counts.add(severity: 3, count: errors)
        return counts
    }

    /// Minutes 0, 1 and 3 of payments (minute 2 had no traffic), and the overall scope.
    static let minutes: [HistoryMinute] = [
        HistoryMinute(scope: .service("payments"), minute: m0, counts: counts(info: 99, errors: 1),
                      baseline: HistoryBaseline(volumePerMinute: 100, errorRate: 0.01)),
        HistoryMinute(scope: .service("payments"), minute: m0 + 60, counts: counts(info: 70, errors: 30),
                      baseline: HistoryBaseline(volumePerMinute: 100, errorRate: 0.03)),
        HistoryMinute(scope: .service("payments"), minute: m0 + 180, counts: counts(info: 40, errors: 0)),
        HistoryMinute(scope: .service("auth"), minute: m0, counts: counts(info: 5, errors: 0)),
        HistoryMinute(scope: .overall, minute: m0, counts: counts(info: 104, errors: 1)),
        HistoryMinute(scope: .overall, minute: m0 + 60, counts: counts(info: 70, errors: 30)),
    ]

    static func get(_ client: some TestClientProtocol, _ uri: String, status: HTTPResponse.Status = .ok) async throws -> [String: Any] {
        try await client.execute(uri: uri, method: .get) { response in
            #expect(response.status == status, "\(uri): \(response.body.text)")
            return response.body.json
        }
    }

    static func points(_ object: [String: Any]) -> [[String: Any]] { object["points"] as? [[String: Any]] ?? [] }

    @Test(arguments: APIDatabase.available)
    func onePointPerMinuteWithTrafficStillThereAfterARestart(_ backend: APIDatabase) async throws {
        try await backend.withFresh { database in
            // First run: the minutes are written; then the process stops.
            let first = try await APIFixture(database: database)
            try await first.store.recordHistory(Self.minutes)
            await first.shutDown()
            // After the restart they are read back from the database.
            let fixture = try await APIFixture(database: database)
            try await fixture.live { client in
                let body = try await Self.get(client, "/services/payments/history?since=\(Self.m0)&until=\(Self.m0 + 600)")
                #expect(body["scope"] as? String == "service")
                #expect(body["service"] as? String == "payments")
                #expect(body["step"] as? Int == 60)
                #expect(body["since"] as? String == "2024-01-15T10:30:00.000000Z")
                let points = Self.points(body)
                #expect(points.compactMap { $0["at"] as? String } == ["2024-01-15T10:30:00.000000Z", "2024-01-15T10:31:00.000000Z", "2024-01-15T10:33:00.000000Z"])
                #expect(points.compactMap { $0["volume"] as? Int } == [100, 100, 40])
                #expect(points.compactMap { $0["errors"] as? Int } == [1, 30, 0])
                #expect(points.compactMap { $0["error_rate"] as? Double } == [0.01, 0.3, 0])
                #expect(points[1]["by_severity"] as? [Int] == [0, 0, 0, 30, 0, 0, 70, 0])
                #expect(points.compactMap { $0["partial"] as? Bool } == [false, false, false])
                let baseline = try #require(points[1]["baseline"] as? [String: Any])
                #expect(baseline["volume"] as? Double == 100)
                #expect(baseline["error_rate"] as? Double == 0.03)
                // The band ends where the rules alert: 3 × volume, max(5 × rate, 5 %).
                #expect(baseline["volume_alert_above"] as? Double == 300)
                #expect(abs((baseline["error_rate_alert_above"] as? Double ?? 0) - 0.15) < 1e-12)
                #expect(points[2]["baseline"] is NSNull)

                let overall = try await Self.get(client, "/history?since=2024-01-15T10:30:00Z&until=2024-01-15T10:40:00.000000Z")
                #expect(overall["scope"] as? String == "overall")
                #expect(Self.points(overall).compactMap { $0["volume"] as? Int } == [105, 100])
            }
            await fixture.shutDown()
        }
    }

    @Test(arguments: APIDatabase.available)
    func coarserStepsSumTheMinutesAndScaleTheBaseline(_ backend: APIDatabase) async throws {
        try await backend.withFresh { database in
            let fixture = try await APIFixture(database: database)
            try await fixture.store.recordHistory(Self.minutes)
            try await fixture.live { client in
                let body = try await Self.get(client, "/services/payments/history?since=\(Self.m0)&until=\(Self.m0 + 600)&step=300")
                let points = Self.points(body)
                #expect(points.count == 1)
                #expect(points.first?["at"] as? String == "2024-01-15T10:30:00.000000Z")
                #expect(points.first?["volume"] as? Int == 240)
                #expect(points.first?["errors"] as? Int == 31)
                let baseline = try #require(points.first?["baseline"] as? [String: Any])
                // Averaged over the minutes that had one (100/min), scaled to the 5-minute step.
                #expect(baseline["volume"] as? Double == 500)
                #expect(abs((baseline["error_rate"] as? Double ?? 0) - 0.02) < 1e-12)
                let hourly = try await Self.get(client, "/services/payments/history?since=\(Self.m0)&until=\(Self.m0 + 600)&step=3600")
                #expect(Self.points(hourly).first?["at"] as? String == "2024-01-15T10:00:00.000000Z")
                #expect(Self.points(hourly).first?["volume"] as? Int == 240)
            }
        }
    }

    @Test func severalServicesAtOnceForTheSparklines() async throws {
        let fixture = try await APIFixture()
        try await fixture.store.recordHistory(Self.minutes)
        try await fixture.live { client in
            let body = try await Self.get(client, "/services/history?service=payments&service=auth&service=ghost&since=\(Self.m0)&until=\(Self.m0 + 600)")
            let services = try #require(body["services"] as? [String: [[String: Any]]])
            #expect(services["payments"]?.count == 3)
            #expect(services["auth"]?.compactMap { $0["volume"] as? Int } == [5])
            #expect(services["ghost"]?.isEmpty == true)
            _ = try await Self.get(client, "/services/history?since=\(Self.m0)", status: .badRequest)
        }
    }

    @Test func badParametersAreRefusedWithTheReason() async throws {
        let fixture = try await APIFixture()
        try await fixture.live { client in
            for (query, reason) in [
                ("step=120", "step"), ("step=abc", "step"), ("since=yesterday", "since"), ("until=soon", "until"),
                ("since=2000&until=1000", "since"), ("since=0&until=\(Self.m0)&step=60", "steps"),
            ] {
                let body = try await Self.get(client, "/services/payments/history?\(query)", status: .badRequest)
                #expect((body["error"] as? String)?.contains(reason) == true, "\(query): \(body)")
            }
        }
    }

    @Test func namesAreDecodedFromThePath() async throws {
        let fixture = try await APIFixture()
        try await fixture.store.recordHistory([HistoryMinute(scope: .service("a/b <x>"), minute: Self.m0, counts: Self.counts(info: 3, errors: 0))])
        try await fixture.live { client in
            let body = try await Self.get(client, "/services/a%2Fb%20%3Cx%3E/history?since=\(Self.m0)&until=\(Self.m0 + 60)")
            #expect(body["service"] as? String == "a/b <x>")
            #expect(Self.points(body).first?["volume"] as? Int == 3)
        }
    }

    /// Messages ingested now show at once: the minute being counted comes from the recorder
    /// (reading the shards), marked partial, before anything is written.
    @Test func theMinuteBeingCountedIsServedAsPartial() async throws {
        let fixture = try await APIFixture(history: { store, shards in
            HistoryRecorder(configuration: .init(tickSeconds: 10, windowSeconds: 300), source: shards, store: store, logger: Logger(label: "test"))
        })
        let recorder = try #require(fixture.history)
        // The minute being counted is what is asked for: keep clear of a minute's end (a slow,
        // loaded machine may take seconds between the ingest and the ticks).
        let second = Int(Date().timeIntervalSince1970) % 60
        if second >= 30 { try await Task.sleep(for: .seconds(61 - second)) }
        try await fixture.live { client in
            let before = Int64(Date().timeIntervalSince1970) / 10
            let batch = #"{"logs":[{"level":"ERROR","service":"checkout","message":"boom"},{"level":"INFO","service":"checkout","message":"ok"}]}"#
            try await client.execute(uri: "/logs/ingest", method: .post, body: jsonBody(batch)) { #expect($0.status == .accepted) }
            fixture.receiver.shards.drain()
            // Every tick the messages may have been counted in, whatever 10-s boundary passed meanwhile.
            let after = Int64(Date().timeIntervalSince1970) / 10
            for tick in (before - 1)...(after + 1) { recorder.tickEnded(tick, baselines: []) }
            let points = Self.points(try await Self.get(client, "/services/checkout/history"))
            #expect(points.count == 1)
            #expect(points.last?["volume"] as? Int == 2)
            #expect(points.last?["errors"] as? Int == 1)
            #expect(points.last?["partial"] as? Bool == true)
            let stored = try await fixture.store.history(of: .service("checkout"), from: 0, until: Int64.max / 2)
            #expect(stored.isEmpty)
        }
    }
}
