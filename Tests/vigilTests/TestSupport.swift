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
