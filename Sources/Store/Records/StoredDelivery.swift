import Detect

extension Delivery {
    /// The notification_outbox table's columns, read the same way by every backend.
    static func stored(from row: some StoredRowReader) throws(StoreError) -> Delivery {
        var reader = row
        let id = try reader.int64("id")
        reader.key = String(id)
        guard let event = NotificationEvent(rawValue: try reader.string("event")) else {
            throw reader.failure("event", "unknown notification event")
        }
        guard let kind = NotificationKind(rawValue: try reader.string("target_kind")) else {
            throw reader.failure("target_kind", "unknown notification target kind")
        }
        guard let status = Status(rawValue: try reader.string("status")) else {
            throw reader.failure("status", "expected pending, delivered or failed")
        }
        return Delivery(
            id: id,
            anomalyID: try reader.string("anomaly_id"),
            event: event,
            target: NotificationTarget(kind: kind, url: try reader.string("target_url")),
            status: status,
            attempts: Int(clamping: try reader.int64("attempts")),
            createdAt: try reader.int64("created_at"),
            nextAttemptAt: try reader.int64("next_attempt_at"),
            lastAttemptAt: try reader.optionalInt64("last_attempt_at"),
            lastStatus: try reader.optionalInt64("last_status").map { Int(clamping: $0) },
            lastError: try reader.optionalString("last_error"),
            finishedAt: try reader.optionalInt64("finished_at")
        )
    }
}

extension DeliveryOutcome {
    /// The columns one `UPDATE` sets for every outcome: a `nil` next attempt keeps the row's.
    var columns: (status: Delivery.Status, lastStatus: Int64?, lastError: String?, nextAttemptAt: Int64?, finishedAt: Int64?) {
        switch self {
        case .delivered(let status, let at):
            (.delivered, Int64(status), nil, nil, at)
        case .retry(let status, let error, _, let next):
            (.pending, status.map(Int64.init), error, next, nil)
        case .failed(let status, let error, let at):
            (.failed, status.map(Int64.init), error, nil, at)
        }
    }
}

