import Detect
import Foundation
import Store

/// What one request announces: an alert, the event (or a test), and when it is sent.
public struct NotificationMessage: Sendable, Hashable {
    /// The alert as stored when the request is made (so a late `alert.created` carries what is
    /// known by then).
    public var alert: Alert
    /// `alert.created`, `alert.analyzed`, `alert.resolved`, or ``testEvent``.
    public var event: String
    /// Stable per alert and event: `X-Vigil-Delivery` (see ``Delivery/deliveryID``).
    public var deliveryID: String
    /// Milliseconds since the epoch.
    public var sentAt: Int64

    /// The event of `vigil notify --test`: never sent for a real alert.
    public static let testEvent = "test"

    public init(alert: Alert, event: String, deliveryID: String, sentAt: Int64) {
        self.alert = alert
        self.event = event
        self.deliveryID = deliveryID
        self.sentAt = sentAt
    }

    /// The message for an outbox row.
    public init(delivery: Delivery, alert: Alert, sentAt: Int64) {
        self.init(alert: alert, event: delivery.event.rawValue, deliveryID: delivery.deliveryID, sentAt: sentAt)
    }

    public var isTest: Bool { event == Self.testEvent }

    /// Whether to show the root cause: on every event but `alert.created`, once there is one.
    var showsAnalysis: Bool {
        event != NotificationEvent.created.rawValue && alert.analysisSource != Alert.pendingAnalysis
    }

    /// The service an alert is filed under: its first affected service, `all` when it names none
    /// (an overall-scope alert no single service explains).
    var service: String { alert.affectedServices.first ?? "all" }
}

/// One HTTP request to a target, rendered and ready: the seam between the formats and the
/// transport (tests check the first and replace the second).
public struct OutgoingRequest: Sendable, Hashable {
    public struct Header: Sendable, Hashable {
        public var name: String
        public var value: String
    }

    public var url: String
    public var headers: [Header]
    public var body: [UInt8]

    public init(url: String, headers: [Header], body: [UInt8]) {
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// The first header called `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    static func json(url: String, body: [UInt8], extra: [Header] = []) -> OutgoingRequest {
        OutgoingRequest(
            url: url,
            headers: [Header(name: "Content-Type", value: "application/json"), Header(name: "User-Agent", value: "Vigil")] + extra,
            body: body)
    }
}

/// JSON and time as the formats write them.
enum NotifyWire {
    static func encode<Value: Encodable>(_ value: Value) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    /// `text` as a JSON string literal.
    static func quoted(_ text: String) -> String {
        (try? encode(text)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
    }

    static func rfc3339(milliseconds: Int64) -> String { OutboxClock.rfc3339(milliseconds: milliseconds) }

    static func rfc3339(seconds: Int64) -> String { rfc3339(milliseconds: seconds * 1000) }
}
