import Detect
import Store

/// Slack incoming webhooks: `text` (what notifications and screen readers show) plus Block Kit
/// blocks — a header, the description with severity, category, services and detection time as
/// fields, and, on the analyzed event, the root cause, impact and recommended actions.
///
/// Text is escaped for Slack's mrkdwn (`&`, `<`, `>`) and cut to Block Kit's limits (header 150
/// characters, section text 3000, a field 2000), so a long log line never gets a message refused.
public struct SlackFormat: Sendable {
    public var instance: String
    public var alertURL: @Sendable (String) -> String

    public init(instance: String, alertURL: @escaping @Sendable (String) -> String) {
        self.instance = instance
        self.alertURL = alertURL
    }

    public init(configuration: NotifyConfiguration) {
        self.init(instance: configuration.instance) { configuration.alertURL($0) }
    }

    public func request(_ message: NotificationMessage, to url: String) throws -> OutgoingRequest {
        .json(url: url, body: try NotifyWire.encode(payload(message)))
    }

    struct Payload: Encodable {
        var text: String
        var blocks: [Block]
    }

    /// The Block Kit blocks Vigil uses: header, section (text and/or fields) and context.
    struct Block: Encodable {
        var type: String
        var text: Text?
        var fields: [Text]?
        var elements: [Text]?
    }

    struct Text: Encodable {
        var type: String
        var text: String

        static func plain(_ text: String, limit: Int = 150) -> Text { Text(type: "plain_text", text: SlackFormat.cut(text, limit)) }
        static func markdown(_ text: String, limit: Int = 3000) -> Text { Text(type: "mrkdwn", text: SlackFormat.cut(text, limit)) }
    }

    func payload(_ message: NotificationMessage) -> Payload {
        let alert = message.alert
        let services = alert.affectedServices.isEmpty ? "all" : alert.affectedServices.joined(separator: ", ")
        let subject = "\(alert.category.rawValue) in \(message.service)"
        let lead: String
        let header: String
        switch message.event {
        case MessageEvent.test:
            lead = "[TEST] Vigil test notification from \(instance): not a real alert"
            header = "Vigil test notification"
        case MessageEvent.analyzed:
            lead = "Root cause of \(subject) (\(alert.severity.rawValue)): \(alert.rootCause ?? alert.description)"
            header = "\(Self.emoji(alert.severity)) \(alert.severity.rawValue.uppercased()) · \(subject) · analyzed"
        case MessageEvent.resolved:
            lead = "Resolved: \(subject) (\(alert.anomalyID))"
            header = ":white_check_mark: Resolved · \(subject)"
        default:
            lead = "[\(alert.severity.rawValue.uppercased())] \(subject): \(alert.description)"
            header = "\(Self.emoji(alert.severity)) \(alert.severity.rawValue.uppercased()) · \(subject)"
        }
        var blocks = [
            Block(type: "header", text: .plain(header)),
            Block(
                type: "section", text: .markdown(Self.escaped(message.isTest ? lead : alert.description)),
                fields: [
                    .markdown("*Severity*\n" + alert.severity.rawValue, limit: 2000),
                    .markdown("*Category*\n" + alert.category.rawValue, limit: 2000),
                    .markdown("*Services*\n" + Self.escaped(services), limit: 2000),
                    .markdown("*Detected*\n" + NotifyWire.rfc3339(seconds: alert.detectedAt), limit: 2000),
                ]),
        ]
        if message.showsAnalysis {
            if let rootCause = alert.rootCause {
                blocks.append(Block(type: "section", text: .markdown("*Root cause*\n" + Self.escaped(rootCause))))
            }
            if let impact = alert.impact {
                blocks.append(Block(type: "section", text: .markdown("*Impact*\n" + Self.escaped(impact))))
            }
            if !alert.recommendedActions.isEmpty {
                let actions = alert.recommendedActions.map { "• " + Self.escaped($0) }.joined(separator: "\n")
                blocks.append(Block(type: "section", text: .markdown("*Recommended actions*\n" + actions)))
            }
        }
        var context = "`\(alert.anomalyID)` · \(message.event) · \(Self.escaped(instance))"
        if message.showsAnalysis {
            context += " · analysis: \(alert.analysisSource)"
            if let confidence = alert.confidence { context += " (confidence \(Int((confidence * 100).rounded())) %)" }
        }
        if !message.isTest { context += " · <\(alertURL(alert.anomalyID))|alert JSON>" }
        blocks.append(Block(type: "context", elements: [.markdown(context)]))
        return Payload(text: Self.cut(lead, 3000), blocks: blocks)
    }

    /// The event names, for matching.
    enum MessageEvent {
        static let test = NotificationMessage.testEvent
        static let analyzed = NotificationEvent.analyzed.rawValue
        static let resolved = NotificationEvent.resolved.rawValue
    }

    static func emoji(_ severity: AlertSeverity) -> String {
        switch severity {
        case .critical: ":red_circle:"
        case .high: ":large_orange_circle:"
        case .medium: ":large_yellow_circle:"
        case .low: ":large_blue_circle:"
        }
    }

    /// mrkdwn's three control characters as entities (Slack's documented escaping).
    static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default: out.append(character)
            }
        }
        return out
    }

    /// At most `limit` characters, the cut marked with an ellipsis.
    static func cut(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }
}
