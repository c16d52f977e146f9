import ArgumentParser
import Foundation
import JSONOutput
import Syslog

/// `vigil parse [FILE...] [--framing line|octet|auto] [--stats]`: the parser on files or stdin.
///
/// Each input is one stream: split into frames, each frame parsed, one JSON line printed per
/// frame — the message, or `{"error":"<reason>","offset":N}` in its place. Invalid input never
/// stops the run; only an unreadable input makes the exit status non-zero.
struct ParseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Parse syslog messages (RFC 5424, RFC 3164) from files or standard input into JSON lines."
    )

    enum Framing: String, ExpressibleByArgument, CaseIterable {
        /// One message per LF-terminated line (RFC 6587 non-transparent framing).
        case line
        /// RFC 6587 octet counting: `LEN SP MSG`.
        case octet
        /// Octet counting or LF, decided per frame (what the TCP receiver does).
        case auto

        var mode: SyslogFrameDecoder.Mode {
            switch self {
            case .line: .nonTransparent
            case .octet: .octetCounting
            case .auto: .detect
            }
        }
    }

    @Argument(help: "Files to read, in order; standard input when none (or \"-\").")
    var files: [String] = []

    @Option(help: "How messages are delimited in the input: line, octet or auto.")
    var framing: Framing = .line

    @Flag(help: "Print only one summary line: {\"messages\":N,\"errors\":E,\"seconds\":S,\"per_second\":R}.")
    var stats = false

    @Option(name: .customLong("max-size"), help: "Maximum message (and frame) size in bytes.")
    var maxSize: Int = SyslogParser.defaultMaxMessageSize

    @Option(help: "Time zone of timestamps written without an offset (RFC 3164): UTC, ±hh:mm or an IANA name. Default: the system's.")
    var timezone: String?

    @Option(name: .customLong("reference-time"), help: "The \"now\" from which RFC 3164 years are inferred (RFC 3339). Default: the current time.")
    var referenceTime: String?

    func validate() throws {
        guard maxSize > 0 else { throw ValidationError("--max-size must be positive") }
        if let referenceTime, SyslogTimestamp(iso8601: referenceTime) == nil {
            throw ValidationError("--reference-time must be an RFC 3339 date-time, e.g. 2024-05-14T09:00:00Z")
        }
    }

    func run() throws {
        let started = ContinuousClock.now
        let reference = referenceTime.flatMap { SyslogTimestamp(iso8601: $0) }?.secondsSinceEpoch ?? SyslogParser.currentTime()
        let zone = try LocalTimeZone.named(timezone, around: Date(timeIntervalSince1970: TimeInterval(reference)))
        var run = ParseRun(
            parser: SyslogParser(maxMessageSize: maxSize, timeZone: zone, referenceTime: reference),
            framing: framing.mode, maxFrameSize: maxSize, printMessages: !stats,
            sink: StandardOutput.write)
        var reader = FileChunkReader()
        var unreadable: FileChunkReader.ReadError?
        for path in files.isEmpty ? ["-"] : files {
            do {
                try run.consume(path, with: &reader)
            } catch {
                FileHandle.standardError.write(Data("vigil parse: \(error)\n".utf8))
                unreadable = error
            }
            if run.outputClosed { break }
        }
        run.flush()
        if stats {
            let seconds = started.duration(to: .now).inSeconds
            let rate = seconds > 0 ? Int((Double(run.messages) / seconds).rounded()) : run.messages
            let line = #"{"messages":\#(run.messages),"errors":\#(run.errors),"seconds":\#(String(format: "%.6f", seconds)),"per_second":\#(rate)}"#
            StandardOutput.write(Array((line + "\n").utf8))
        }
        if unreadable != nil { throw ExitCode.failure }
    }
}

/// The state of one `vigil parse` run: parser, output buffer and counts. Output goes to `sink`
/// in blocks of about half a megabyte (standard output in the command; a buffer in tests).
struct ParseRun {
    typealias Sink = ([UInt8]) -> Bool

    let parser: SyslogParser
    let framing: SyslogFrameDecoder.Mode
    let maxFrameSize: Int
    let printMessages: Bool
    private let sink: Sink
    private(set) var messages = 0
    private(set) var errors = 0
    /// The sink refused output (e.g. the reader of a pipe went away): stop producing.
    private(set) var outputClosed = false
    private var writer = JSONWriter(capacity: 1 << 20)

    /// Flush when this much output is buffered.
    private static let flushThreshold = 1 << 19

    init(parser: SyslogParser, framing: SyslogFrameDecoder.Mode, maxFrameSize: Int, printMessages: Bool, sink: @escaping Sink) {
        self.parser = parser
        self.framing = framing
        self.maxFrameSize = maxFrameSize
        self.printMessages = printMessages
        self.sink = sink
    }

    /// Reads one input file as one stream.
    mutating func consume(_ path: String, with reader: inout FileChunkReader) throws(FileChunkReader.ReadError) {
        var decoder = SyslogFrameDecoder(mode: framing, maxFrameSize: maxFrameSize)
        try reader.forEachChunk(of: path) { chunk in
            feed(chunk, to: &decoder)
        }
        decoder.finish { handle($0) }
    }

    /// Reads one in-memory stream, delivered in the given chunks.
    mutating func consume(chunks: [[UInt8]]) {
        var decoder = SyslogFrameDecoder(mode: framing, maxFrameSize: maxFrameSize)
        for chunk in chunks {
            chunk.withUnsafeBytes { feed($0, to: &decoder) }
        }
        decoder.finish { handle($0) }
    }

    private mutating func feed(_ chunk: UnsafeRawBufferPointer, to decoder: inout SyslogFrameDecoder) {
        guard !outputClosed else { return }
        decoder.decode(chunk) { handle($0) }
        if writer.buffer.count >= Self.flushThreshold { flush() }
    }

    private mutating func handle(_ event: SyslogFrameDecoder.Event) {
        messages += 1
        switch event {
        case .frame(let bytes):
            do {
                let message = try parser.parse(bytes)
                if printMessages { writer.write(message) }
            } catch {
                errors += 1
                if printMessages { writer.write(error: error.description, offset: error.offset) }
            }
        case .truncatedFrame(let bytes, let expected):
            // Reported rather than parsed: a checker should see that data is missing.
            errors += 1
            if printMessages {
                writer.write(error: "framing error: stream ended inside an octet-counted frame (\(bytes.count) of \(expected) bytes)", offset: bytes.count)
            }
        case .error(let error):
            errors += 1
            if printMessages { writer.write(error: error.description, offset: error.offset) }
        }
    }

    mutating func flush() {
        guard !writer.buffer.isEmpty else { return }
        if !sink(writer.buffer) { outputClosed = true }
        writer.removeAll()
    }
}
