import Detect
import PostgresNIO

extension PostgresStore {
    /// Writes `entries` for `anomalyID`, due now, on `connection` — inside the transaction of the
    /// write the entries announce. An (alert, event, target) already enqueued is left as it is.
    func enqueueOutbox(_ entries: [OutboxEntry], anomalyID: String, on connection: PostgresConnection) async throws {
        guard !entries.isEmpty else { return }
        let now = OutboxClock.milliseconds()
        // One statement, one round trip: the rows as parallel arrays.
        try await connection.query(
            """
            INSERT INTO notification_outbox (anomaly_id, event, target_kind, target_url, created_at, next_attempt_at)
            SELECT \(anomalyID), event, kind, url, \(now), \(now)
            FROM unnest(\(entries.map(\.event.rawValue))::text[], \(entries.map(\.target.kind.rawValue))::text[],
                        \(entries.map(\.target.url))::text[]) WITH ORDINALITY AS e(event, kind, url, position)
            ORDER BY position
            ON CONFLICT (anomaly_id, event, target_kind, target_url) DO NOTHING
            """,
            logger: logger
        )
    }

    /// One statement: the candidate rows are locked `FOR UPDATE SKIP LOCKED`, so instances
    /// claiming at the same moment each take different rows without waiting on one another, and
    /// a row another instance claimed a moment ago is re-checked against its new lease (READ
    /// COMMITTED re-evaluates the condition on the locked row) and skipped.
    public func claimDeliveries(owner: String, now: Int64, leaseMilliseconds: Int64, limit: Int) async throws -> [Delivery] {
        guard limit > 0 else { return [] }
        return try await perform("claimDeliveries") {
            let until = now + leaseMilliseconds
            let rows = try await client.query(
                """
                UPDATE notification_outbox
                SET lease_owner = \(owner), lease_until = \(until), attempts = attempts + 1, last_attempt_at = \(now)
                WHERE id IN (
                    SELECT c.id FROM notification_outbox AS c
                    WHERE c.status = 'pending' AND c.next_attempt_at <= \(now)
                      AND (c.lease_until IS NULL OR c.lease_until <= \(now))
                      AND NOT EXISTS (
                          SELECT 1 FROM notification_outbox AS e
                          WHERE e.anomaly_id = c.anomaly_id AND e.target_kind = c.target_kind AND e.target_url = c.target_url
                            AND e.status = 'pending' AND e.id < c.id)
                    ORDER BY c.next_attempt_at, c.id
                    LIMIT \(Int64(limit))
                    FOR UPDATE SKIP LOCKED
                )
                RETURNING *
                """,
                logger: logger
            ).collect()
            return try Self.deliveries(rows).sorted { ($0.nextAttemptAt, $0.id) < ($1.nextAttemptAt, $1.id) }
        }
    }

    public func recordDelivery(id: Int64, owner: String, _ outcome: DeliveryOutcome) async throws -> Bool {
        try await perform("recordDelivery") {
            let columns = outcome.columns
            let rows = try await client.query(
                """
                UPDATE notification_outbox
                SET status = \(columns.status.rawValue), last_status = \(columns.lastStatus), last_error = \(columns.lastError),
                    next_attempt_at = COALESCE(\(columns.nextAttemptAt)::bigint, next_attempt_at),
                    finished_at = \(columns.finishedAt), lease_owner = NULL, lease_until = NULL
                WHERE id = \(id) AND lease_owner = \(owner)
                RETURNING id
                """,
                logger: logger
            ).collect()
            return !rows.isEmpty
        }
    }

    public func releaseDeliveries(ids: [Int64], owner: String) async throws {
        guard !ids.isEmpty else { return }
        try await perform("releaseDeliveries") {
            try await client.query(
                """
                UPDATE notification_outbox SET lease_owner = NULL, lease_until = NULL
                WHERE id = ANY(\(ids)) AND lease_owner = \(owner)
                """,
                logger: logger
            )
        }
    }

    public func pendingDeliveryCount() async throws -> Int {
        try await perform("pendingDeliveryCount") {
            let rows = try await client.query(
                "SELECT COUNT(*)::bigint AS pending FROM notification_outbox WHERE status = 'pending'", logger: logger
            ).collect()
            return Int(clamping: try rows.first.flatMap { try PostgresRowReader($0, table: "notification_outbox").optionalInt64("pending") } ?? 0)
        }
    }

    public func recentDeliveries(limit: Int) async throws -> [Delivery] {
        guard limit > 0 else { return [] }
        return try await perform("recentDeliveries") {
            try Self.deliveries(try await client.query(
                "SELECT * FROM notification_outbox ORDER BY id DESC LIMIT \(Int64(limit))", logger: logger
            ).collect())
        }
    }

    public func deliveries(anomalyID: String) async throws -> [Delivery] {
        try await perform("deliveries") {
            try Self.deliveries(try await client.query(
                "SELECT * FROM notification_outbox WHERE anomaly_id = \(anomalyID) ORDER BY id", logger: logger
            ).collect())
        }
    }

    public func pruneDeliveries(finishedBefore before: Int64) async throws -> Int {
        try await perform("pruneDeliveries") {
            try await client.query(
                "DELETE FROM notification_outbox WHERE status <> 'pending' AND finished_at < \(before) RETURNING id", logger: logger
            ).collect().count
        }
    }

    private static func deliveries(_ rows: [PostgresRow]) throws(StoreError) -> [Delivery] {
        try rows.map { row throws(StoreError) in try Delivery.stored(from: PostgresRowReader(row, table: "notification_outbox")) }
    }
}
