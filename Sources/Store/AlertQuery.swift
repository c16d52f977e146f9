import Detect

/// Which recorded alerts to read: the newest `limit`, optionally only of one category, naming
/// one service among its affected services, or detected at or after an instant.
/// The `GET /alerts/recent` filters, answered by the database rather than by filtering a page.
public struct AlertQuery: Sendable, Hashable {
    public var limit: Int
    public var category: AnomalyCategory?
    /// Matches an alert whose `affectedServices` contains exactly this name.
    public var service: String?
    /// Seconds since the epoch: only alerts with `detectedAt >= since`.
    public var since: Int64?

    public init(limit: Int, category: AnomalyCategory? = nil, service: String? = nil, since: Int64? = nil) {
        self.limit = limit
        self.category = category
        self.service = service
        self.since = since
    }
}
