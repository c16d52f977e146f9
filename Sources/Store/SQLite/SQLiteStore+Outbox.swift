import Detect
import SQLiteNIO

extension SQLiteStore {
    /// Writes `entries` for `anomalyID`, due now. Call inside the transaction of the write the
    /// entries announce (the connection is held by ``exclusively(_:_:)``); an (alert, event,
    /// target) already enqueued is left as it is.
    func enqueueOutbox(_ entries: [OutboxEntry], anomalyID: String) async throws {
        guard !entries.isEmpty else { return }
        let now = OutboxClock.milliseconds()
        // One statement for every row: each statement is a hop to SQLiteNIO's thread pool.
        var values: [SQLiteData] = []
        for entry in entries {
            values += [.text(anomalyID), .text(entry.event.rawValue), .text(entry.target.kind.rawValue), .text(entry.target.url), .int64(now), .int64(now)]
        }
        _ = try await connection.query(
            """
            INSERT INTO notification_outbox (anomaly_id, event, target_kind, target_url, created_at, next_attempt_at)
            VALUES \(Array(repeating: "(?, ?, ?, ?, ?, ?)", count: entries.count).joined(separator: ", "))
            ON CONFLICT (anomaly_id, event, target_kind, target_url) DO NOTHING
            """,
            values
        )
    }

    /// One `UPDATE … RETURNING` statement: SQLite runs it under the database's write lock, so two
    /// connections (or processes) never claim the same row.
    public func claimDeliveries(owner: String, now: Int64, leaseMilliseconds: Int64, limit: Int) async throws -> [Delivery] {
        guard limit > 0 else { return [] }
        return try await exclusively("claimDeliveries") {
            let rows = try await connection.query(
                """
                UPDATE notification_outbox
                SET lease_owner = ?1, lease_until = ?2 + ?3, attempts = attempts + 1, last_attempt_at = ?2
                WHERE id IN (
                    SELECT c.id FROM notification_outbox AS c
                    WHERE c.status = 'pending' AND c.next_attempt_at <= ?2 AND (c.lease_until IS NULL OR c.lease_until <= ?2)
                      AND NOT EXISTS (
                          SELECT 1 FROM notification_outbox AS e
                          WHERE e.anomaly_id = c.anomaly_id AND e.target_kind = c.target_kind AND e.target_url = c.target_url
                            AND e.status = 'pending' AND e.id < c.id)
                    ORDER BY c.next_attempt_at, c.id
                    LIMIT ?4
                )
                RETURNING *
                """,
                [.text(owner), .int64(now), .int64(leaseMilliseconds), .integer(SQLiteInt64(limit))]
            )
            return try Self.deliveries(rows).sorted { ($0.nextAttemptAt, $0.id) < ($1.nextAttemptAt, $1.id) }
        }
    }

    public func recordDelivery(id: Int64, owner: String, _ outcome: DeliveryOutcome) async throws -> Bool {
        try await exclusively("recordDelivery") {
            let columns = outcome.columns
            let rows = try await connection.query(
                """
                UPDATE notification_outbox
                SET status = ?, last_status = ?, last_error = ?, next_attempt_at = COALESCE(?, next_attempt_at),
                    finished_at = ?, lease_owner = NULL, lease_until = NULL
                WHERE id = ? AND lease_owner = ?
                RETURNING id
                """,
                [
                    .text(columns.status.rawValue), .optional(columns.lastStatus), .optional(columns.lastError),
                    .optional(columns.nextAttemptAt), .optional(columns.finishedAt), .int64(id), .text(owner),
                ]
            )
            return !rows.isEmpty
        }
    }

    public func releaseDeliveries(ids: [Int64], owner: String) async throws {
        guard !ids.isEmpty else { return }
        try await exclusively("releaseDeliveries") {
            try await transaction {
                for id in ids {
                    _ = try await connection.query(
                        "UPDATE notification_outbox SET lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?",
                        [.int64(id), .text(owner)]
                    )
                }
            }
        }
    }

    public func pendingDeliveryCount() async throws -> Int {
        try await exclusively("pendingDeliveryCount") {
            let rows = try await connection.query("SELECT COUNT(*) AS pending FROM notification_outbox WHERE status = 'pending'")
            return Int(clamping: try rows.first.flatMap { try SQLiteRowReader($0, table: "notification_outbox").optionalInt64("pending") } ?? 0)
        }
    }

    public func recentDeliveries(limit: Int) async throws -> [Delivery] {
        guard limit > 0 else { return [] }
        return try await exclusively("recentDeliveries") {
            try Self.deliveries(try await connection.query(
                "SELECT * FROM notification_outbox ORDER BY id DESC LIMIT ?", [.integer(SQLiteInt64(limit))]))
        }
    }

    public func deliveries(anomalyID: String) async throws -> [Delivery] {
        try await exclusively("deliveries") {
            try Self.deliveries(try await connection.query(
                "SELECT * FROM notification_outbox WHERE anomaly_id = ? ORDER BY id", [.text(anomalyID)]))
        }
    }

    public func pruneDeliveries(finishedBefore before: Int64) async throws -> Int {
        try await exclusively("pruneDeliveries") {
            let rows = try await connection.query(
                "DELETE FROM notification_outbox WHERE status != 'pending' AND finished_at < ? RETURNING id", [.int64(before)])
            return rows.count
        }
    }

    private static func deliveries(_ rows: [SQLiteRow]) throws(StoreError) -> [Delivery] {
        try rows.map { row throws(StoreError) in try Delivery.stored(from: SQLiteRowReader(row, table: "notification_outbox")) }
    }
}
