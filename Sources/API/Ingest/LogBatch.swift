import Foundation
import Syslog

/// The body of `POST /logs/ingest` — `{"logs":[{timestamp, level, service, message, context}]}`,
/// the original system's API — checked entry by entry and turned into RFC 5424 frames, so that
/// JSON logs travel the syslog path (same parser, shards, counters) from here on.
///
/// One bad entry does not sink the batch: it is reported by index with the reason, the others
/// are accepted. Only a body that is not JSON, or has no `logs` array, is refused whole.
struct LogBatch {
    struct Rejection: Sendable, Equatable {
        var index: Int
        var error: String
    }

    struct BodyError: Error, Equatable {
        var reason: String
    }

    /// The accepted entries as RFC 5424 frames, in body order.
    var frames: [[UInt8]] = []
    var rejected: [Rejection] = []

    /// Log levels of the original API and the syslog severities they map to (BRIEF "Ingest").
    static let severities: [String: Int] = [
        "DEBUG": 7, "INFO": 6, "NOTICE": 5, "WARN": 4, "WARNING": 4, "ERROR": 3, "CRITICAL": 2, "ALERT": 1, "EMERGENCY": 0,
    ]

    /// Entries per request; more is a client bug or an attack, refused whole (413).
    static let maxEntries = 100_000

    init(json data: Data, parser: SyslogParser = SyslogParser()) throws(BodyError) {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            throw BodyError(reason: "malformed JSON: \(Self.describe(error))")
        }
        guard let object = root as? [String: Any] else { throw BodyError(reason: "the body must be a JSON object with a \"logs\" array") }
        guard let logs = object["logs"] as? [Any] else { throw BodyError(reason: "\"logs\" must be an array of log entries") }
        guard logs.count <= Self.maxEntries else { throw BodyError(reason: "more than \(Self.maxEntries) entries in one request") }
        frames.reserveCapacity(logs.count)
        for (index, entry) in logs.enumerated() {
            switch Self.frame(for: entry) {
            case .success(let frame):
                // The frame must parse as the shards will parse it: the same parser decides.
                if let reason = Self.parseFailure(frame, parser) {
                    rejected.append(Rejection(index: index, error: "not a valid syslog message: \(reason)"))
                } else {
                    frames.append(frame)
                }
            case .failure(let error): rejected.append(Rejection(index: index, error: error.reason))
            }
        }
    }

    private static func frame(for entry: Any) -> Result<[UInt8], BodyError> {
        guard let entry = entry as? [String: Any] else { return .failure(BodyError(reason: "entry must be an object")) }
        guard let level = entry["level"] as? String else { return .failure(BodyError(reason: "level: required string")) }
        guard let severity = severities[level.uppercased()] else {
            return .failure(BodyError(reason: "level: '\(level)' is not one of DEBUG, INFO, WARN, WARNING, ERROR, CRITICAL"))
        }
        guard let service = entry["service"] as? String else { return .failure(BodyError(reason: "service: required string")) }
        guard (1...48).contains(service.utf8.count), service.utf8.allSatisfy({ (33...126).contains($0) }) else {
            return .failure(BodyError(reason: "service: must be 1-48 printable ASCII characters without spaces (a syslog APP-NAME)"))
        }
        guard let message = entry["message"] as? String else { return .failure(BodyError(reason: "message: required string")) }
        var timestamp = "-"
        if let value = entry["timestamp"], !(value is NSNull) {
            guard let text = value as? String, RFC3339Check.isValid(text) else {
                return .failure(BodyError(reason: "timestamp: must be an RFC 3339 date-time such as 2024-01-15T10:30:00Z"))
            }
            timestamp = text
        }
        if let context = entry["context"], !(context is NSNull), !(context is [String: Any]) {
            return .failure(BodyError(reason: "context: must be an object"))
        }
        // Facility 1 (user-level messages); no hostname (the service is the APP-NAME).
        var frame = Array("<\(8 + severity)>1 \(timestamp) - \(service) - - - ".utf8)
        frame.append(contentsOf: message.utf8)
        return .success(frame)
    }

    private static func parseFailure(_ frame: [UInt8], _ parser: SyslogParser) -> String? {
        frame.withUnsafeBytes { bytes in
            do throws(SyslogParseError) {
                _ = try parser.parse(bytes)
                return nil
            } catch {
                return error.description
            }
        }
    }

    private static func describe(_ error: Error) -> String {
        let nsError = error as NSError
        return (nsError.userInfo[NSDebugDescriptionErrorKey] as? String) ?? nsError.localizedDescription
    }
}

/// RFC 3339 `date-time` (the shape RFC 5424 timestamps take): `YYYY-MM-DDTHH:MM:SS[.frac](Z|±hh:mm)`,
/// fields in range. The syslog parser re-checks the frame; this gives the client a field-level reason.
enum RFC3339Check {
    static func isValid(_ text: String) -> Bool {
        let b = Array(text.utf8)
        guard b.count >= 20, b.count <= 40 else { return false }
        func digits(_ range: Range<Int>) -> Int? {
            var value = 0
            for i in range {
                guard i < b.count, (48...57).contains(b[i]) else { return nil }
                value = value * 10 + Int(b[i] - 48)
            }
            return value
        }
        guard let year = digits(0..<4), b[4] == UInt8(ascii: "-"), let month = digits(5..<7), b[7] == UInt8(ascii: "-"),
              let day = digits(8..<10), b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"),
              let hour = digits(11..<13), b[13] == UInt8(ascii: ":"), let minute = digits(14..<16), b[16] == UInt8(ascii: ":"),
              let second = digits(17..<19)
        else { return false }
        guard year >= 1, (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60 else { return false }
        var i = 19
        if b[i] == UInt8(ascii: ".") {
            i += 1
            let start = i
            while i < b.count, (48...57).contains(b[i]) { i += 1 }
            guard i > start, i - start <= 9 else { return false }
        }
        guard i < b.count else { return false }
        if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") { return i + 1 == b.count }
        guard b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-"), i + 6 == b.count,
              let offsetHours = digits(i + 1..<i + 3), b[i + 3] == UInt8(ascii: ":"), let offsetMinutes = digits(i + 4..<i + 6)
        else { return false }
        return offsetHours < 24 && offsetMinutes < 60
    }
}
