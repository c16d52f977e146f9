import Testing
@testable import Syslog

// Helpers shared by the Syslog tests. A `SyslogMessage` borrows the buffer it was parsed from,
// so every helper copies what a test looks at out of the buffer before the buffer goes away.

extension SyslogParser {
    /// 2024-05-20T00:00:00Z: "now" for every RFC 3164 test that does not set its own.
    static let fixedReferenceTime: Int64 = 1_716_163_200

    /// A parser whose year inference does not depend on the day the tests run: reference time
    /// ``fixedReferenceTime``, local time zone UTC.
    static let fixed = SyslogParser(timeZone: .utc, referenceTime: fixedReferenceTime)
}

/// A parsed message with every field copied out as a value, so tests can compare whole records.
struct ParsedFields: Equatable, Sendable {
    var format: SyslogMessage.Format
    var priority: Int
    var priorityIsDefault = false
    var version: Int? = nil
    /// The timestamp's UTC instant as ``SyslogTimestamp/rfc3339UTC`` prints it.
    var utc: String? = nil
    /// The UTC offset the sender wrote (or the local zone's, when it wrote none).
    var utcOffset: Int32? = nil
    var hostname: String? = nil
    var appName: String? = nil
    var procID: String? = nil
    var msgID: String? = nil
    var structuredData: [SDElement]? = nil
    var message: String? = nil
    var service: String? = nil
    /// macOS's `TAG[PID] (SUBSYSTEM):` (RFC 3164 only).
    var subsystem: String? = nil
}

extension ParsedFields {
    init(_ m: SyslogMessage) {
        self.init(
            format: m.format,
            priority: Int(m.priority.value),
            priorityIsDefault: m.priorityIsDefault,
            version: m.version,
            utc: m.timestamp?.rfc3339UTC,
            utcOffset: m.timestamp?.utcOffsetSeconds,
            hostname: m.hostname,
            appName: m.appName,
            procID: m.procID,
            msgID: m.msgID,
            structuredData: m.structuredData.map { $0.map(SDElement.init) },
            message: m.message,
            service: m.service,
            subsystem: m.subsystem)
    }
}

/// One SD-ELEMENT with its parameters in order, values unescaped.
struct SDElement: Equatable, Sendable, CustomStringConvertible {
    struct Parameter: Equatable, Sendable {
        var name: String
        var value: String
    }

    var id: String
    var parameters: [Parameter]

    init(_ id: String, _ parameters: KeyValuePairs<String, String> = [:]) {
        self.id = id
        self.parameters = parameters.map { Parameter(name: $0.key, value: $0.value) }
    }

    init(_ element: StructuredData.Element) {
        id = String(decoding: element.id, as: UTF8.self)
        parameters = element.parameters.map {
            Parameter(name: String(decoding: $0.name, as: UTF8.self), value: $0.value)
        }
    }

    var description: String {
        "[\(id)" + parameters.map { " \($0.name)=\"\($0.value)\"" }.joined() + "]"
    }
}

/// Parses `text` (its UTF-8 bytes) and copies the result out.
func parse(_ text: String, parser: SyslogParser = .fixed) throws(SyslogParseError) -> ParsedFields {
    try parse(Array(text.utf8), parser: parser)
}

/// Parses `bytes` and copies the result out.
func parse(_ bytes: [UInt8], parser: SyslogParser = .fixed) throws(SyslogParseError) -> ParsedFields {
    try withParsed(bytes, parser: parser, ParsedFields.init).get()
}

/// The error parsing `bytes` gives, or `nil` when it parses.
func parseError(_ bytes: [UInt8], parser: SyslogParser = .fixed) -> SyslogParseError? {
    if case .failure(let error) = withParsed(bytes, parser: parser, { _ in () }) { return error }
    return nil
}

func parseError(_ text: String, parser: SyslogParser = .fixed) -> SyslogParseError? {
    parseError(Array(text.utf8), parser: parser)
}

/// MSG exactly as bytes (no UTF-8 repair), or `nil` when there is none.
func messageBytes(_ bytes: [UInt8], parser: SyslogParser = .fixed) throws(SyslogParseError) -> [UInt8]? {
    try withParsed(bytes, parser: parser) { m in m.view(m.messageRange).map { Array($0) } }.get()
}

/// Facility and severity as the parser's ``Priority`` derives them.
func facilityAndSeverity(_ text: String, parser: SyslogParser = .fixed) throws(SyslogParseError) -> [Int] {
    try withParsed(Array(text.utf8), parser: parser) { [$0.priority.facility, $0.priority.severity] }.get()
}

/// The header timestamp with its flags (explicit offset, inferred year).
func timestamp(_ text: String, parser: SyslogParser = .fixed) throws(SyslogParseError) -> SyslogTimestamp? {
    try withParsed(Array(text.utf8), parser: parser) { $0.timestamp }.get()
}

/// Runs `body` on the parsed message while its buffer is alive.
func withParsed<T>(
    _ bytes: [UInt8], parser: SyslogParser, _ body: (SyslogMessage) -> T
) -> Result<T, SyslogParseError> {
    bytes.withUnsafeBytes { raw in
        do throws(SyslogParseError) {
            return .success(body(try parser.parse(raw)))
        } catch {
            return .failure(error)
        }
    }
}

/// `count` copies of `character`, for length-limit cases.
func repeated(_ character: Character, _ count: Int) -> String {
    String(repeating: String(character), count: count)
}

// MARK: - Framing

extension Array {
    /// The array cut into consecutive pieces of `size` elements (the last may be shorter).
    func chunked(_ size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}

/// What a ``SyslogFrameDecoder`` hands out, copied.
enum FrameEvent: Equatable, Sendable, CustomStringConvertible {
    case frame([UInt8])
    case error(FramingError.Kind, at: Int)

    static func frame(_ text: String) -> FrameEvent { .frame(Array(text.utf8)) }

    var description: String {
        switch self {
        case .frame(let bytes): "frame(\(String(decoding: bytes, as: UTF8.self).debugDescription))"
        case .error(let kind, let offset): "error(\(kind)@\(offset))"
        }
    }
}

/// The events of a whole stream, plus what the decoder reported about itself.
struct FrameRun: Equatable {
    var events: [FrameEvent] = []
    var truncatedFrames = 0
    /// The largest the decoder's carry buffer got after any chunk.
    var largestCarry = 0

    var frames: [[UInt8]] {
        events.compactMap { if case .frame(let bytes) = $0 { bytes } else { nil } }
    }

    var errors: [FramingError.Kind] {
        events.compactMap { if case .error(let kind, _) = $0 { kind } else { nil } }
    }

    /// Runs are equal when the stream gave the same result; how much the decoder buffered on the way is not part of it.
    static func == (lhs: FrameRun, rhs: FrameRun) -> Bool {
        lhs.events == rhs.events && lhs.truncatedFrames == rhs.truncatedFrames
    }
}

/// Feeds `chunks` to a fresh decoder, then finishes the stream.
func decodeFrames(
    _ chunks: [[UInt8]], mode: SyslogFrameDecoder.Mode, maxFrameSize: Int = SyslogParser.defaultMaxMessageSize
) -> FrameRun {
    var decoder = SyslogFrameDecoder(mode: mode, maxFrameSize: maxFrameSize)
    var run = FrameRun()
    let collect: (SyslogFrameDecoder.Event) -> Void = { event in
        switch event {
        case .frame(let bytes): run.events.append(.frame(Array(bytes)))
        // Delivered as far as it came; `truncatedFrames` tells it apart.
        case .truncatedFrame(let bytes, _): run.events.append(.frame(Array(bytes)))
        case .error(let error): run.events.append(.error(error.kind, at: error.offset))
        }
    }
    for chunk in chunks {
        chunk.withUnsafeBytes { decoder.decode($0, collect) }
        run.largestCarry = max(run.largestCarry, decoder.bufferedByteCount)
    }
    decoder.finish(collect)
    run.truncatedFrames = decoder.truncatedFrames
    return run
}

/// Feeds the whole stream as one chunk.
func decodeFrames(
    _ stream: String, mode: SyslogFrameDecoder.Mode, maxFrameSize: Int = SyslogParser.defaultMaxMessageSize
) -> FrameRun {
    decodeFrames([Array(stream.utf8)], mode: mode, maxFrameSize: maxFrameSize)
}
