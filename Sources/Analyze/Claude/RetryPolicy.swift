import Foundation

/// When to try a failed Messages API call again: exponential backoff with full jitter, unless the
/// server said how long to wait (`retry-after`), and never past the analysis' deadline.
public struct RetryPolicy: Sendable, Hashable {
    public var maxRetries: Int
    public var initialBackoff: Duration
    public var maximumBackoff: Duration

    public init(maxRetries: Int, initialBackoff: Duration, maximumBackoff: Duration) {
        self.maxRetries = maxRetries
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
    }

    /// The wait before retry number `retry` (1 for the first): `retryAfter` when the server gave
    /// one, else a uniformly random delay up to `initial × 2^(retry−1)`, capped — full jitter, so
    /// that several Vigil processes throttled together do not return together.
    public func delay(beforeRetry retry: Int, retryAfter: Duration?, random: (ClosedRange<Double>) -> Double = { Double.random(in: $0) }) -> Duration {
        if let retryAfter { return retryAfter }
        let exponent = min(max(retry - 1, 0), 30)
        let ceiling = min(initialBackoff.seconds * Double(1 << exponent), maximumBackoff.seconds)
        return .milliseconds(Int64((random(0...ceiling) * 1000).rounded()))
    }

    /// `retry-after` as seconds (the form the Messages API sends; fractions accepted). An
    /// HTTP-date or garbage gives `nil`, and the computed backoff applies.
    public static func retryAfter(_ header: String?) -> Duration? {
        guard let header, let seconds = Double(header.trimmingCharacters(in: .whitespaces)), seconds.isFinite, seconds >= 0 else {
            return nil
        }
        return .milliseconds(Int64((min(seconds, 3600) * 1000).rounded()))
    }
}
