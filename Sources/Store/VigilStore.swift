import Detect

/// What Vigil remembers across restarts — baselines, cooldowns, alerts and incidents
/// (``IncidentStore``), the notification outbox (``OutboxStore``) and the per-minute history
/// (``HistoryStore``) — behind one protocol, so that the embedded SQLite file and a shared
/// PostgreSQL server are interchangeable and tests can plug in either.
///
/// Every requirement is `async throws` because a network backend (PostgresNIO) suspends and can
/// fail on any call; callers decide whether to queue and retry (ingestion never waits on the
/// database). Implementations are `Sendable` and safe to call from several tasks at once.
public protocol VigilStore: IncidentStore, HistoryStore, OutboxStore {
    /// Creates or upgrades the schema through the versioned migrations not yet applied.
    /// Idempotent, and safe when several processes start on one database at once.
    func migrate() async throws

    /// The baselines learned at one window size, every scope (overall and per service).
    func loadBaselines(windowSeconds: Int64) async throws -> [Baseline]

    /// Inserts or replaces each baseline, keyed by (scope, window size), all in one transaction.
    func saveBaselines(_ baselines: [Baseline]) async throws

    /// Every saved message template, for the miners to restore: a template keeps its id across
    /// restarts, and a restart does not take known templates for new ones.
    func loadTemplates() async throws -> [PersistentTemplate]

    /// Inserts or replaces each template, keyed by (service, template id), all in one transaction.
    func saveTemplates(_ templates: [PersistentTemplate]) async throws

    /// Records an alert. Idempotent by ``Alert/anomalyID``: writing the same alert again (a retry
    /// after an ambiguous failure) keeps the first copy. (With notifications:
    /// ``OutboxStore/insertAlert(_:notifying:)``.)
    func insertAlert(_ alert: Alert) async throws

    /// Records the analysis of a recorded alert (every analysis field, replacing the previous
    /// ones); throws ``StoreError/alertNotFound(anomalyID:)`` when there is no alert with that ID.
    /// (With notifications: ``OutboxStore/updateAnalysis(anomalyID:_:notifying:)``.)
    func updateAnalysis(anomalyID: String, _ analysis: AlertAnalysis) async throws

    /// Up to `limit` alerts, newest `detectedAt` first (ties: the later recorded first).
    func recentAlerts(limit: Int) async throws -> [Alert]

    /// Up to `query.limit` alerts matching every filter `query` sets, in ``recentAlerts(limit:)``'s order.
    func recentAlerts(_ query: AlertQuery) async throws -> [Alert]

    /// The alert recorded under `anomalyID`, or `nil` when there is none.
    func alert(anomalyID: String) async throws -> Alert?

    /// Releases the connection(s). Calls after `close()` throw ``StoreError/closed``.
    func close() async throws
}

extension VigilStore {
    /// The baselines of every window size in `windows`.
    public func loadBaselines(windows: [Int64]) async throws -> [Baseline] {
        var baselines: [Baseline] = []
        for window in windows { baselines += try await loadBaselines(windowSeconds: window) }
        return baselines
    }
}
