import Detect
import Store

/// Where alerts go and how hard Vigil tries: the `[notify]` section of the configuration, as
/// the Notify module takes it (the executable maps its TOML keys here).
public struct NotifyConfiguration: Sendable, Hashable {
    /// Every configured endpoint, Alertmanagers first, then webhooks, then Slack.
    public var targets: [NotificationTarget]
    /// Per kind; a kind without an entry admits everything.
    public var filters: [NotificationKind: NotificationFilter]
    /// When set, webhook bodies are signed: `X-Vigil-Signature: sha256=<hex HMAC-SHA256>`.
    public var webhookSecret: String?
    /// This Vigil's name: Alertmanager's `instance` label (default: the host name).
    public var instance: String
    /// Base of the links to alerts (`generatorURL`, Slack's button): `http://HOST:PORT`, no
    /// trailing slash.
    public var publicURL: String
    /// Until alerts are resolved by detection, Alertmanager's `endsAt` is the detection time plus this.
    public var alertmanagerResolveAfter: Duration
    /// Active alerts are re-sent to Alertmanager this often, so that one that restarted (it
    /// keeps no alerts on disk) learns them again.
    public var alertmanagerResend: Duration
    /// A delivery still failing this long after it was enqueued is given up.
    public var maxAge: Duration
    /// One request's limit, connect to last byte of the answer.
    public var timeout: Duration
    /// Requests in flight at most (all targets together).
    public var concurrency: Int
    /// Exponential backoff with full jitter between retries: the first wait is up to
    /// `initialBackoff`, doubling up to `maximumBackoff` (a `Retry-After` answer overrides it).
    public var initialBackoff: Duration
    public var maximumBackoff: Duration
    /// Delivered and given-up rows are deleted after this long.
    public var retention: Duration
    /// How often the outbox is looked at for due rows (other instances' and retries).
    public var pollInterval: Duration

    public init(
        targets: [NotificationTarget] = [],
        filters: [NotificationKind: NotificationFilter] = [:],
        webhookSecret: String? = nil,
        instance: String = "vigil",
        publicURL: String = "http://127.0.0.1:8000",
        alertmanagerResolveAfter: Duration = .seconds(1800),
        alertmanagerResend: Duration = .seconds(60),
        maxAge: Duration = .seconds(86_400),
        timeout: Duration = .seconds(10),
        concurrency: Int = 4,
        initialBackoff: Duration = .seconds(1),
        maximumBackoff: Duration = .seconds(300),
        retention: Duration = .seconds(7 * 86_400),
        pollInterval: Duration = .seconds(1)
    ) {
        self.targets = targets
        self.filters = filters
        self.webhookSecret = webhookSecret?.isEmpty == true ? nil : webhookSecret
        self.instance = instance
        self.publicURL = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        self.alertmanagerResolveAfter = alertmanagerResolveAfter
        self.alertmanagerResend = alertmanagerResend
        self.maxAge = maxAge
        self.timeout = timeout
        self.concurrency = max(1, concurrency)
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
        self.retention = retention
        self.pollInterval = pollInterval
    }

    public func filter(for kind: NotificationKind) -> NotificationFilter { filters[kind] ?? NotificationFilter() }

    /// The outbox rows announcing `event` for `alert`: one per target whose kind's filter admits
    /// the alert. The store writes them in the alert's (or analysis') own transaction.
    public func outboxEntries(for alert: Alert, event: NotificationEvent) -> [OutboxEntry] {
        targets.filter { filter(for: $0.kind).admits(alert) }.map { OutboxEntry(event: event, target: $0) }
    }

    /// The link to one alert in this Vigil's API.
    public func alertURL(_ anomalyID: String) -> String { publicURL + "/alerts/" + anomalyID }
}
