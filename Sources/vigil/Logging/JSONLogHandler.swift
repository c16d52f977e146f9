import Detect
import Foundation
import Logging
import Synchronization
import Syslog

/// swift-log's output for a daemon: one JSON object per line on standard error —
/// `{"time":…,"level":…,"label":…,"message":…,"metadata":{…}}` — which journald, Vector or
/// Loki take as is. (On a terminal, ``LogSetup`` picks swift-log's text handler instead.)
struct JSONLogHandler: LogHandler {
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    let label: String
    private let output: JSONLogOutput

    init(label: String, output: JSONLogOutput = .standardError) {
        self.label = label
        self.output = output
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        var object: [String: Any] = [
            "time": Self.timestamp(),
            "level": event.level.rawValue,
            "label": label,
            "message": event.message.description,
        ]
        if !merged.isEmpty { object["metadata"] = merged.mapValues(Self.json) }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        output.write(data + Data([0x0A]))
    }

    private static func json(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let text): text
        case .stringConvertible(let convertible): convertible.description
        case .array(let values): values.map(json)
        case .dictionary(let values): values.mapValues(json)
        }
    }

    private static func timestamp() -> String {
        SyslogTimestamp(nanosecondsSinceEpoch: WallClock().nanosecondsSinceEpoch, utcOffsetSeconds: 0, hasExplicitOffset: true)
            .rfc3339UTC(.milliseconds)
    }
}

/// Where JSON log lines go; a lock keeps lines from several threads whole.
final class JSONLogOutput: Sendable {
    private let handle: Mutex<FileHandle>

    init(_ handle: FileHandle) {
        self.handle = Mutex(handle)
    }

    static let standardError = JSONLogOutput(FileHandle.standardError)

    func write(_ data: Data) {
        handle.withLock { $0.write(data) }
    }
}

/// Bootstraps swift-log once per process from `[log]`: JSON lines, or text on a terminal.
enum LogSetup {
    static func bootstrap(format: String, level: String) -> Logger {
        let useJSON = format == "json" || (format == "auto" && isatty(STDERR_FILENO) == 0)
        let logLevel = Logger.Level(rawValue: level) ?? .info
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = useJSON ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = logLevel
            return handler
        }
        var logger = Logger(label: "vigil")
        logger.logLevel = logLevel
        return logger
    }
}
