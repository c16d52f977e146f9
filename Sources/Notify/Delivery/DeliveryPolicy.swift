import Analyze
import Foundation
import Store

/// Turns how an attempt ended into what the outbox records:
/// - 2xx: delivered;
/// - no answer (refused, reset, timeout, TLS), 408, 429 and 5xx: tried again after exponential
///   backoff with full jitter, or after the target's `Retry-After`;
/// - any other answer (other 4xx, a 3xx — redirects are not followed, 1xx): given up at once,
///   recorded with the status and the answer's first bytes, since sending the same request
///   again would get the same refusal;
/// - a retry that would fall later than `maxAge` after the row was written: given up instead.
public struct DeliveryPolicy: Sendable {
    public var backoff: RetryPolicy
    /// Milliseconds.
    public var maxAge: Int64

    public init(initialBackoff: Duration, maximumBackoff: Duration, maxAge: Duration) {
        backoff = RetryPolicy(maxRetries: .max, initialBackoff: initialBackoff, maximumBackoff: maximumBackoff)
        self.maxAge = maxAge.milliseconds
    }

    public init(configuration: NotifyConfiguration) {
        self.init(initialBackoff: configuration.initialBackoff, maximumBackoff: configuration.maximumBackoff, maxAge: configuration.maxAge)
    }

    /// Whether a status is worth trying again.
    public static func isTransient(status: Int) -> Bool { status == 408 || status == 429 || (500...599).contains(status) }

    /// The row is older than `maxAge` at `now`: not sent again.
    public func isExpired(_ delivery: Delivery, now: Int64) -> Bool { now - delivery.createdAt >= maxAge }

    /// The record of `result` for `delivery` (its ``Delivery/attempts`` counts this attempt) at `now` (ms).
    public func outcome(
        of result: TransportResult, for delivery: Delivery, now: Int64,
        random: (ClosedRange<Double>) -> Double = { Double.random(in: $0) }
    ) -> DeliveryOutcome {
        switch result {
        case .answered(let status, _, _) where (200...299).contains(status):
            return .delivered(status: status, at: now)
        case .answered(let status, let retryAfter, let body):
            let error = Self.describe(status: status, body: body)
            guard Self.isTransient(status: status) else { return .failed(status: status, error: error, at: now) }
            return retry(delivery, status: status, error: error, retryAfter: RetryPolicy.retryAfter(retryAfter), now: now, random: random)
        case .failed(let reason):
            return retry(delivery, status: nil, error: reason, retryAfter: nil, now: now, random: random)
        case .cancelled:
            return retry(delivery, status: nil, error: "cancelled at shutdown", retryAfter: nil, now: now, random: { _ in 0 })
        }
    }

    /// The give-up record of a row found expired before it was sent again.
    public func expired(_ delivery: Delivery, now: Int64) -> DeliveryOutcome {
        .failed(status: delivery.lastStatus, error: givenUp(delivery.lastError ?? "never delivered"), at: now)
    }

    private func retry(
        _ delivery: Delivery, status: Int?, error: String, retryAfter: Duration?, now: Int64,
        random: (ClosedRange<Double>) -> Double
    ) -> DeliveryOutcome {
        let wait = backoff.delay(beforeRetry: max(1, delivery.attempts), retryAfter: retryAfter, random: random)
        let next = now + wait.milliseconds
        guard next - delivery.createdAt < maxAge else { return .failed(status: status, error: givenUp(error), at: now) }
        return .retry(status: status, error: error, at: now, nextAttemptAt: next)
    }

    private func givenUp(_ error: String) -> String {
        "\(error); given up: not delivered within notify.max_age (\(maxAge / 1000) s)"
    }

    /// `HTTP 400: {"error":"…"}` — the status and the answer's first bytes, on one line.
    static func describe(status: Int, body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(200), as: UTF8.self)
            .map { $0.isNewline || $0 == "\t" ? " " : $0 }
        let trimmed = String(text).trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty ? "HTTP \(status)" : "HTTP \(status): \(trimmed)"
    }
}
