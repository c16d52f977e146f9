import ArgumentParser
import Foundation
import JSONOutput
import Patterns
import Syslog

/// `vigil templates [--raw] FILE...`: mines message templates, one JSON line per input line.
///
/// Without `--raw` each line is a syslog message (RFC 5424 or RFC 3164) whose MSG is mined per
/// service; with it each line is the message text itself, mined as one service. By default the
/// lines are printed when the input ends, with the id each line's template is known by then
/// (templates only widen, so an id never changes, but the final text is the useful one);
/// `--stream` prints each line as it is mined. A summary goes to standard error.
struct TemplatesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "templates",
        abstract: "Mine message templates from files or standard input: one JSON line per input line."
    )

    @Argument(help: "Files to read, in order, as one stream; standard input when none (or \"-\").")
    var files: [String] = []

    @Flag(help: "Each line is the message text itself (no syslog header).")
    var raw = false

    @Flag(help: "Print each line as it is mined (its template as known at that point) instead of at the end.")
    var stream = false

    @Option(name: .customLong("max-templates"), help: "Templates kept per service; the least recently seen is evicted.")
    var maxTemplates: Int = TemplateMiner.Configuration().maximumTemplates

    @Option(name: .customLong("max-size"), help: "Maximum line size in bytes; longer lines are cut.")
    var maxSize: Int = SyslogParser.defaultMaxMessageSize

    func validate() throws {
        guard maxSize > 0 else { throw ValidationError("--max-size must be positive") }
        guard maxTemplates > 0 else { throw ValidationError("--max-templates must be positive") }
    }

    func run() throws {
        let started = ContinuousClock.now
        var run = TemplatesRun(
            raw: raw, stream: stream,
            configuration: TemplateMiner.Configuration(maximumTemplates: maxTemplates),
            parser: SyslogParser(maxMessageSize: maxSize),
            sink: StandardOutput.write)
        var splitter = LineSplitter(maximumLength: maxSize)
        var reader = FileChunkReader()
        var unreadable = false
        for path in files.isEmpty ? ["-"] : files {
            do {
                try reader.forEachChunk(of: path) { chunk in
                    splitter.split(chunk) { line, cut in run.add(line, cut: cut) }
                }
            } catch {
                FileHandle.standardError.write(Data("vigil templates: \(error)\n".utf8))
                unreadable = true
            }
            if run.outputClosed { break }
        }
        splitter.finish { line, cut in run.add(line, cut: cut) }
        run.finish()
        let seconds = started.duration(to: .now).inSeconds
        let rate = seconds > 0 ? Int((Double(run.lines) / seconds).rounded()) : run.lines
        let summary = #"{"lines":\#(run.lines),"templates":\#(run.miners.templateCount),"services":\#(run.miners.miners.count),"evicted":\#(run.miners.evictedCount),"errors":\#(run.errors),"seconds":\#(String(format: "%.6f", seconds)),"lines_per_second":\#(rate)}"#
        FileHandle.standardError.write(Data((summary + "\n").utf8))
        if unreadable { throw ExitCode.failure }
    }
}

/// The state of one `vigil templates` run: the miners, the lines' assignments, the output.
struct TemplatesRun {
    typealias Sink = ([UInt8]) -> Bool

    /// A line's outcome: a template of a miner, or an error (index into `errorReasons`).
    private struct Assignment {
        var miner: Int32
        var id: TemplateID
    }

    let raw: Bool
    let stream: Bool
    let parser: SyslogParser
    private let sink: Sink
    private(set) var miners: ServiceMiners
    private(set) var lines = 0
    private(set) var errors = 0
    private(set) var outputClosed = false
    private var assignments: [Assignment] = []
    private var errorReasons: [String] = []
    private var writer = JSONWriter(capacity: 1 << 20)
    private var fragments: [FragmentKey: [UInt8]] = [:]
    private static let flushThreshold = 1 << 19

    init(raw: Bool, stream: Bool, configuration: TemplateMiner.Configuration, parser: SyslogParser, sink: @escaping Sink) {
        self.raw = raw
        self.stream = stream
        self.parser = parser
        self.sink = sink
        miners = ServiceMiners(configuration: configuration)
    }

    mutating func add(_ line: UnsafeRawBufferPointer, cut: Bool) {
        lines += 1
        if cut { errors += 1 }  // still mined: the part that was read
        let assignment: Assignment
        if raw {
            let miner = miners.miner(for: UnsafeRawBufferPointer(start: nil, count: 0))
            assignment = Assignment(miner: miner, id: miners.add(line, to: miner))
        } else {
            do {
                let message = try parser.parse(line)
                let service = message.view(message.serviceRange) ?? UnsafeRawBufferPointer(start: nil, count: 0)
                let text = message.view(message.messageRange) ?? UnsafeRawBufferPointer(start: nil, count: 0)
                let miner = miners.miner(for: service)
                assignment = Assignment(miner: miner, id: miners.add(text, to: miner))
            } catch {
                errors += 1
                assignment = Assignment(miner: -1, id: TemplateID(rawValue: UInt64(errorReasons.count)))
                errorReasons.append(error.description)
            }
        }
        if stream {
            write(assignment, line: lines)
            errorReasons.removeAll(keepingCapacity: true)
            if writer.buffer.count >= Self.flushThreshold { flush() }
        } else {
            assignments.append(assignment)
        }
    }

    /// Prints the buffered lines (unless streaming) and flushes.
    mutating func finish() {
        for (index, assignment) in assignments.enumerated() {
            write(assignment, line: index + 1)
            if writer.buffer.count >= Self.flushThreshold {
                flush()
                if outputClosed { return }
            }
        }
        flush()
    }

    private mutating func write(_ assignment: Assignment, line: Int) {
        writer.raw(#"{"line":"#)
        writer.integer(line)
        guard assignment.miner >= 0 else {
            writer.raw(#","error":"#)
            let reason = stream ? errorReasons[errorReasons.count - 1] : errorReasons[Int(assignment.id.rawValue)]
            var text = reason
            text.withUTF8 { writer.string(UnsafeRawBufferPointer($0)) }
            writer.raw("}\n")
            return
        }
        // Lines of one template end alike: render that end once (escaping included), then copy it.
        // While streaming, a template may still widen, so the cache is only used at the end.
        let key = FragmentKey(miner: assignment.miner, id: assignment.id)
        if !stream, let fragment = fragments[key] {
            writer.raw(fragment)
            return
        }
        var fragment = JSONWriter(capacity: 256)
        let miner = miners.miners[Int(assignment.miner)]
        let id = miner.canonical(assignment.id)
        fragment.raw(#","template_id":"#)
        id.withHexDigits { fragment.string($0) }
        fragment.raw(#","template":"#)
        if miner.withText(of: id, { fragment.string($0) }) == nil { fragment.raw("null") }
        if !raw {
            fragment.raw(#","service":"#)
            miners.names[Int(assignment.miner)].withUnsafeBytes { fragment.string($0) }
        }
        fragment.raw("}\n")
        writer.raw(fragment.buffer)
        if !stream { fragments[key] = fragment.buffer }
    }

    private struct FragmentKey: Hashable {
        var miner: Int32
        var id: TemplateID
    }

    private mutating func flush() {
        guard !writer.buffer.isEmpty else { return }
        if !sink(writer.buffer) { outputClosed = true }
        writer.removeAll()
    }
}
