import Store

/// Every target kind's format, chosen by the target: the one place a message becomes a request.
public struct NotificationFormats: Sendable {
    public var webhook: WebhookFormat
    public var alertmanager: AlertmanagerFormat
    public var slack: SlackFormat

    public init(configuration: NotifyConfiguration) {
        webhook = WebhookFormat(secret: configuration.webhookSecret)
        alertmanager = AlertmanagerFormat(configuration: configuration)
        slack = SlackFormat(configuration: configuration)
    }

    public func request(_ message: NotificationMessage, to target: NotificationTarget) throws -> OutgoingRequest {
        switch target.kind {
        case .alertmanager: try alertmanager.request([message], to: target.url)
        case .webhook: webhook.request(message, to: target.url)
        case .slack: try slack.request(message, to: target.url)
        }
    }
}
