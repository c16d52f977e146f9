import Foundation
import Syslog
@testable import vigil

/// Runs `vigil parse`'s pipeline (frame decoder → parser → JSON writer) on an in-memory stream
/// and returns the raw output and its lines decoded as JSON objects.
func parseOutput(
    _ stream: [UInt8],
    framing: SyslogFrameDecoder.Mode = .nonTransparent,
    chunkSize: Int? = nil,
    referenceTime: Int64 = 1_716_163_200  // 2024-05-20T00:00:00Z
) -> (raw: [UInt8], objects: [[String: Any]], messages: Int, errors: Int) {
    final class Capture: @unchecked Sendable {  // confined to the calling test
        var bytes: [UInt8] = []
    }
    let capture = Capture()
    var run = ParseRun(
        parser: SyslogParser(timeZone: .utc, referenceTime: referenceTime),
        framing: framing, maxFrameSize: SyslogParser.defaultMaxMessageSize, printMessages: true,
        sink: { capture.bytes += $0; return true })
    let chunks: [[UInt8]] = chunkSize.map { size in
        stride(from: 0, to: stream.count, by: size).map { Array(stream[$0..<min($0 + size, stream.count)]) }
    } ?? [stream]
    run.consume(chunks: chunks)
    run.flush()
    let objects = capture.bytes.split(separator: UInt8(ascii: "\n")).map { line in
        (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any] ?? ["unparsable": String(decoding: line, as: UTF8.self)]
    }
    return (capture.bytes, objects, run.messages, run.errors)
}

/// Canonical JSON text of a JSON value (sorted keys), so that values decoded by
/// `JSONSerialization` compare with `==`.
func canonicalJSON(_ value: Any?) -> String {
    guard let value, !(value is NSNull) else { return "null" }
    guard let data = try? JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys, .fragmentsAllowed]) else {
        return "\(value)"
    }
    return String(decoding: data, as: UTF8.self)
}

/// The built `vigil` binary, run from outside as a user runs it.
enum VigilBinary {
    static let url = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/debug/vigil")

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
        var lines: [String] { stdout.split(separator: "\n").map(String.init) }
        /// Each output line decoded as a JSON object (`[:]` for a line that is not one).
        var objects: [[String: Any]] {
            lines.map { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] ?? [:] }
        }
    }

    /// Runs `vigil arguments` with `stdin`, reading its output while it is written (a large
    /// output cannot fill the pipe and stall it). Never the real Messages API from a test: the
    /// `ANTHROPIC_` variables are not passed on.
    static func run(_ arguments: [String], stdin: String = "") throws -> Result {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("ANTHROPIC_") }
        let input = Pipe(), output = Pipe(), error = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = error
        try process.run()
        final class Collected: @unchecked Sendable {  // written by the readers, read after they end
            var out = Data()
            var err = Data()
        }
        let collected = Collected()
        let readers = DispatchGroup()
        DispatchQueue.global().async(group: readers) { collected.out = output.fileHandleForReading.readDataToEndOfFile() }
        DispatchQueue.global().async(group: readers) { collected.err = error.fileHandleForReading.readDataToEndOfFile() }
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
        readers.wait()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: collected.out, as: UTF8.self),
            stderr: String(decoding: collected.err, as: UTF8.self))
    }
}
