import Detect

/// The notification outbox: each (alert, event, target) is a row, written **in the same
/// transaction** as the alert or analysis it announces — so an alert is never stored without
/// its notifications, nor announced without being stored — and delivered at least once by a
/// worker that claims rows under a lease.
///
/// **Claiming is safe across processes** sharing one database: a claim marks rows with the
/// claimer's `owner` and a lease expiry in one atomic statement (PostgreSQL: `FOR UPDATE SKIP
/// LOCKED`, so two instances never wait on or take the same row; SQLite: one write statement under
/// the database lock). A row is sent by one instance at a time; the rows of an instance that
/// crashed are claimable again once their lease expires. Within one (alert, target), rows are
/// claimed in the order they were written: `alert.analyzed` never overtakes a pending
/// `alert.created`.
///
/// **Adding an event to a store write** (e.g. recording an alert's resolution): each backend
/// has `enqueueOutbox(_:anomalyID:)` to call inside the write's own transaction, as
/// ``insertAlert(_:notifying:)`` and ``updateAnalysis(anomalyID:_:notifying:)`` do; the new
/// write takes `notifying: [OutboxEntry]` like them.
public protocol OutboxStore: Sendable {
    /// Records an alert and, only when it was not recorded before, its outbox rows — in one
    /// transaction. Idempotent like ``VigilStore/insertAlert(_:)``: a retried write keeps the
    /// first copy and enqueues nothing twice.
    func insertAlert(_ alert: Alert, notifying entries: [OutboxEntry]) async throws

    /// Records an alert's analysis and its outbox rows in one transaction; throws
    /// ``StoreError/alertNotFound(anomalyID:)`` (writing nothing) when there is no such alert.
    /// An (alert, event, target) already in the outbox is not enqueued again.
    func updateAnalysis(anomalyID: String, _ analysis: AlertAnalysis, notifying entries: [OutboxEntry]) async throws

    /// Claims up to `limit` pending rows due at `now` (ms) whose lease is free or expired, oldest
    /// due first, for `owner` until `now + leaseMilliseconds`; counts one attempt on each.
    func claimDeliveries(owner: String, now: Int64, leaseMilliseconds: Int64, limit: Int) async throws -> [Delivery]

    /// Records how a claimed attempt ended. Returns `false` (changing nothing) when `owner` no
    /// longer holds the row's lease — it expired and another instance claimed the row.
    @discardableResult
    func recordDelivery(id: Int64, owner: String, _ outcome: DeliveryOutcome) async throws -> Bool

    /// Gives claimed rows back, due at once (a send cut short by shutdown): the next claim, here
    /// or in another instance, need not wait for the lease to expire.
    func releaseDeliveries(ids: [Int64], owner: String) async throws

    /// Rows not yet delivered nor given up.
    func pendingDeliveryCount() async throws -> Int

    /// Up to `limit` rows, newest first (by ``Delivery/id``).
    func recentDeliveries(limit: Int) async throws -> [Delivery]

    /// The rows of one alert, oldest first.
    func deliveries(anomalyID: String) async throws -> [Delivery]

    /// Deletes delivered and failed rows finished before `before` (ms); returns how many.
    @discardableResult
    func pruneDeliveries(finishedBefore before: Int64) async throws -> Int
}
