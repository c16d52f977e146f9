import Store

/// The generic webhook: one JSON POST per event,
/// `{"event":"alert.created","sent_at":"…","alert":{…}}` where `alert` is exactly the object
/// `GET /alerts/{id}` returns. Headers: `X-Vigil-Event`, `X-Vigil-Delivery` (stable per alert
/// and event, for de-duplication) and, with a secret, `X-Vigil-Signature` (``WebhookSignature``).
public struct WebhookFormat: Sendable {
    public var secret: String?

    public init(secret: String?) {
        self.secret = secret
    }

    public func request(_ message: NotificationMessage, to url: String) -> OutgoingRequest {
        let text = #"{"event":"# + NotifyWire.quoted(message.event)
            + #","sent_at":"# + NotifyWire.quoted(NotifyWire.rfc3339(milliseconds: message.sentAt))
            + #","alert":"# + message.alert.json + "}"
        let body = Array(text.utf8)
        var headers = [
            OutgoingRequest.Header(name: "X-Vigil-Event", value: message.event),
            OutgoingRequest.Header(name: "X-Vigil-Delivery", value: message.deliveryID),
        ]
        if let secret {
            headers.append(.init(name: WebhookSignature.header, value: WebhookSignature.sign(body, secret: secret)))
        }
        return .json(url: url, body: body, extra: headers)
    }
}
