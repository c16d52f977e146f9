/// Sends one rendered request and says how it went, never throwing: the delivery worker turns
/// the result into an outcome (``DeliveryPolicy``). ``HTTPTransport`` is the real one; tests may
/// plug in another.
public protocol NotificationTransport: Sendable {
    func send(_ request: OutgoingRequest, timeout: Duration) async -> TransportResult
    /// Releases connections; called once, after the last `send`.
    func shutdown() async
}

/// How one request ended.
public enum TransportResult: Sendable, Hashable {
    /// The target answered: its status, `Retry-After` as sent, and the first bytes of the body
    /// (at most ``HTTPTransport/keptBodyBytes``).
    case answered(status: Int, retryAfter: String?, body: [UInt8])
    /// No answer: refused or reset connection, name resolution, TLS, or the timeout.
    case failed(reason: String)
    /// The sending task was cancelled (shutdown) before an answer came.
    case cancelled
}
