/// What happened to an alert that notification targets hear about. The raw values are the
/// `event` of the webhook body and its `X-Vigil-Event` header, and what the outbox stores.
///
/// Two events per alert so that no one waits for the analysis to hear about an incident:
/// ``created`` as soon as the alert is stored (analysis pending), ``analyzed`` when the root
/// cause is recorded; ``resolved`` when the alert stops matching (written by the store call that
/// records the resolution, in the same transaction).
public enum NotificationEvent: String, Sendable, Hashable, CaseIterable {
    case created = "alert.created"
    case analyzed = "alert.analyzed"
    case resolved = "alert.resolved"
}

/// The kinds of notification target, each with its own wire format (see the Notify module).
public enum NotificationKind: String, Sendable, Hashable, CaseIterable {
    /// Prometheus Alertmanager's v2 API (`POST /api/v2/alerts`).
    case alertmanager
    /// A generic JSON POST, signed with HMAC-SHA256 when a secret is configured.
    case webhook
    /// A Slack incoming webhook (text and Block Kit blocks).
    case slack
}

/// Where a notification goes: the kind decides the format, the URL is the endpoint as
/// configured (it may hold a secret path or token, so it is shown only redacted).
public struct NotificationTarget: Sendable, Hashable, CustomStringConvertible {
    public var kind: NotificationKind
    public var url: String

    public init(kind: NotificationKind, url: String) {
        self.kind = kind
        self.url = url
    }

    public var description: String { "\(kind.rawValue) \(url)" }
}

/// One outbox row to write together with the alert (or analysis, or resolution) it announces:
/// the alert is the one being written, so an entry names only the event and the target.
public struct OutboxEntry: Sendable, Hashable {
    public var event: NotificationEvent
    public var target: NotificationTarget

    public init(event: NotificationEvent, target: NotificationTarget) {
        self.event = event
        self.target = target
    }
}
