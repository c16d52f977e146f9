import Store
import Testing
@testable import Notify

@Suite struct DeliveryPolicyTests {
    let policy = DeliveryPolicy(initialBackoff: .seconds(1), maximumBackoff: .seconds(60), maxAge: .seconds(3600))
    let now: Int64 = 1_705_314_650_000

    func delivery(attempts: Int, age: Int64 = 0) -> Delivery {
        Delivery(
            id: 1, anomalyID: "anom_x", event: .created, target: NotificationTarget(kind: .webhook, url: "http://h"),
            attempts: attempts, createdAt: now - age, nextAttemptAt: now - age)
    }

    /// The random draw at its maximum: the backoff's ceiling.
    let ceiling: (ClosedRange<Double>) -> Double = { $0.upperBound }

    @Test(arguments: [200, 201, 202, 204, 299])
    func anySuccessIsDelivered(status: Int) {
        #expect(policy.outcome(of: .answered(status: status, retryAfter: nil, body: []), for: delivery(attempts: 1), now: now)
            == .delivered(status: status, at: now))
    }

    @Test(arguments: [408, 429, 500, 502, 503, 504])
    func transientAnswersAreRetriedWithTheStatusAndBody(status: Int) {
        let outcome = policy.outcome(of: .answered(status: status, retryAfter: nil, body: Array("busy\n".utf8)), for: delivery(attempts: 1), now: now, random: ceiling)
        #expect(outcome == .retry(status: status, error: "HTTP \(status): busy", at: now, nextAttemptAt: now + 1_000))
    }

    @Test(arguments: [400, 401, 403, 404, 410, 413, 422, 301, 302, 101])
    func otherAnswersAreGivenUpAtOnceWithTheirFirstBytes(status: Int) {
        let body = Array(#"{"error":"no such hook"}"#.utf8) + Array(repeating: UInt8(ascii: "x"), count: 400)
        let outcome = policy.outcome(of: .answered(status: status, retryAfter: nil, body: body), for: delivery(attempts: 1), now: now)
        guard case .failed(let recorded, let error, let at) = outcome else {
            Issue.record("expected failed, got \(outcome)")
            return
        }
        #expect(recorded == status && at == now)
        #expect(error.hasPrefix("HTTP \(status): {\"error\":\"no such hook\"}xxx"))
        #expect(error.count == "HTTP \(status): ".count + 200)
    }

    @Test func backoffDoublesWithFullJitterUpToTheMaximum() {
        let waits = (1...9).map { attempts -> Int64 in
            guard case .retry(_, _, _, let next) = policy.outcome(of: .failed(reason: "connection refused"), for: delivery(attempts: attempts), now: now, random: ceiling) else { return -1 }
            return next - now
        }
        #expect(waits == [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000])
        // Full jitter: anywhere from no wait to the ceiling.
        let low = policy.outcome(of: .failed(reason: "reset"), for: delivery(attempts: 4), now: now, random: { $0.lowerBound })
        #expect(low == .retry(status: nil, error: "reset", at: now, nextAttemptAt: now))
    }

    @Test func retryAfterIsHonoured() {
        let outcome = policy.outcome(of: .answered(status: 429, retryAfter: "7", body: []), for: delivery(attempts: 1), now: now, random: ceiling)
        #expect(outcome == .retry(status: 429, error: "HTTP 429", at: now, nextAttemptAt: now + 7_000))
    }

    @Test func aRetryPastMaxAgeIsGivenUpInstead() {
        let outcome = policy.outcome(of: .answered(status: 503, retryAfter: nil, body: []), for: delivery(attempts: 3, age: 3_598_000), now: now, random: ceiling)
        guard case .failed(503, let error, now) = outcome else {
            Issue.record("expected failed, got \(outcome)")
            return
        }
        #expect(error == "HTTP 503; given up: not delivered within notify.max_age (3600 s)")
        #expect(policy.isExpired(delivery(attempts: 3, age: 3_600_000), now: now))
        #expect(!policy.isExpired(delivery(attempts: 3, age: 3_599_999), now: now))
    }
}
