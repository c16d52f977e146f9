/// One outbox row: an (alert, event, target) to deliver at least once, and what became of it.
/// Times are milliseconds since the epoch.
public struct Delivery: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable, CaseIterable {
        /// Not yet delivered: due at ``Delivery/nextAttemptAt`` (or being sent under a lease).
        case pending
        /// A target answered 2xx.
        case delivered
        /// Given up: a target's permanent refusal (4xx other than 408/429), or ``Delivery/createdAt``
        /// older than `notify.max_age`.
        case failed
    }

    /// The row's key, increasing in insertion order.
    public var id: Int64
    public var anomalyID: String
    public var event: NotificationEvent
    public var target: NotificationTarget
    public var status: Status
    /// Sends started (a claim counts one, so a send cut short by a crash is counted too).
    public var attempts: Int
    /// When the row was written: the alert (or analysis) it announces was stored then.
    public var createdAt: Int64
    /// A pending row is not claimed before this instant (backoff, `Retry-After`).
    public var nextAttemptAt: Int64
    public var lastAttemptAt: Int64?
    /// The HTTP status of the latest answer, if there was one.
    public var lastStatus: Int?
    /// Why the latest attempt failed (transport error, timeout, or the answer's first bytes).
    public var lastError: String?
    /// When the row was delivered or given up.
    public var finishedAt: Int64?

    public init(
        id: Int64, anomalyID: String, event: NotificationEvent, target: NotificationTarget, status: Status = .pending,
        attempts: Int = 0, createdAt: Int64, nextAttemptAt: Int64, lastAttemptAt: Int64? = nil, lastStatus: Int? = nil,
        lastError: String? = nil, finishedAt: Int64? = nil
    ) {
        self.id = id
        self.anomalyID = anomalyID
        self.event = event
        self.target = target
        self.status = status
        self.attempts = attempts
        self.createdAt = createdAt
        self.nextAttemptAt = nextAttemptAt
        self.lastAttemptAt = lastAttemptAt
        self.lastStatus = lastStatus
        self.lastError = lastError
        self.finishedAt = finishedAt
    }

    /// Stable per alert and event (the same on every attempt, every restart and every instance),
    /// so that a receiver can de-duplicate: sent as `X-Vigil-Delivery`.
    public var deliveryID: String { Self.deliveryID(anomalyID: anomalyID, event: event) }

    public static func deliveryID(anomalyID: String, event: NotificationEvent) -> String {
        "\(anomalyID):\(event.rawValue)"
    }
}

/// How one attempt ended, as the delivery worker records it.
public enum DeliveryOutcome: Sendable, Hashable {
    /// The target accepted it (2xx) at `at`.
    case delivered(status: Int, at: Int64)
    /// A transient failure: try again at `nextAttemptAt`.
    case retry(status: Int?, error: String, at: Int64, nextAttemptAt: Int64)
    /// A permanent failure, or too old to keep trying: the row is finished.
    case failed(status: Int?, error: String, at: Int64)
}
