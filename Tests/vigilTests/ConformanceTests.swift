import Foundation
import Syslog
import Testing

/// The conformance cases in `Tests/Fixtures/conformance/*.jsonl` — public vectors from go-syslog,
/// syslog_loose and the rsyslog testbench, and real hosts' lines (Loghub's Linux and Mac logs…),
/// each naming its source — each an assertion on `vigil parse`'s output. A datagram is fed
/// octet-counted so an LF inside it stays inside it; streams are fed with their own framing, and
/// again one byte at a time, which must not change the result.
struct ConformanceCase: Sendable, CustomTestStringConvertible {
    let file: String
    let id: String
    let line: String
    var testDescription: String { id }

    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/conformance")

    static let all: [ConformanceCase] = {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { $0.hasSuffix(".jsonl") }.sorted().flatMap { file -> [ConformanceCase] in
            guard let text = try? String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8) else { return [] }
            return text.split(separator: "\n").compactMap { line in
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      let id = object["id"] as? String else { return nil }
                return ConformanceCase(file: file, id: id, line: String(line))
            }
        }
    }()
}

@Suite struct ConformanceTests {
    @Test func casesAreFoundInTheRepository() {
        let byFile = Dictionary(grouping: ConformanceCase.all, by: \.file)
        #expect(byFile["syslog-peer-cases.jsonl"]?.count ?? 0 >= 104, "read \(ConformanceCase.directory.path)")
        #expect(byFile["real-host-cases.jsonl"]?.count ?? 0 >= 30, "read \(ConformanceCase.directory.path)")
        #expect(Set(ConformanceCase.all.map(\.id)).count == ConformanceCase.all.count, "case ids are unique")
    }

    @Test(arguments: ConformanceCase.all)
    func vigilParseAgreesWithCase(_ testCase: ConformanceCase) throws {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(testCase.line.utf8)) as? [String: Any])
        let raw: [UInt8]
        if let b64 = object["raw_b64"] as? String {
            raw = try #require(Data(base64Encoded: b64).map(Array.init))
        } else {
            raw = Array(try #require(object["raw"] as? String).utf8)
        }
        let valid = object["valid"] as? Bool ?? true
        let expect = object["expect"] as? [String: Any] ?? [:]
        let extra = object["expect_extra"] as? [String: Any] ?? [:]

        let stream: [UInt8]
        let framing: SyslogFrameDecoder.Mode
        switch object["framing"] as? String {
        case "octet": (stream, framing) = (raw, .octetCounting)
        case "lf": (stream, framing) = (raw, .nonTransparent)
        default: (stream, framing) = (raw.isEmpty ? [] : Array("\(raw.count) ".utf8) + raw, .octetCounting)
        }
        let whole = parseOutput(stream, framing: framing)
        let byteByByte = parseOutput(stream, framing: framing, chunkSize: 1)
        #expect(whole.raw == byteByByte.raw, "splitting the stream at every byte changed the output")

        if raw.isEmpty {
            #expect(!valid)
            return
        }
        if let frames = extra["frames"] as? [[String: Any]] {
            #expect(whole.objects.count >= frames.count)
            for (frame, output) in zip(frames, whole.objects) {
                var frame = frame
                let frameValid = frame.removeValue(forKey: "valid") as? Bool ?? valid
                let sharedExtra = frames.count == 1 ? extra : [:]
                if let problem = disagreement(expect: frame, extra: sharedExtra, valid: frameValid, output: output) {
                    Issue.record("\(testCase.id): \(problem)")
                }
            }
        } else {
            let output = try #require(whole.objects.first, "no output")
            if let problem = disagreement(expect: expect, extra: extra, valid: valid, output: output) {
                Issue.record("\(testCase.id): \(problem)")
            }
        }
    }

    /// `nil` when the output agrees with the expectation, else why not. An error agrees with a
    /// case marked invalid: a strict parser rejects it (the expectation is what a lenient one recovers).
    private func disagreement(expect: [String: Any], extra: [String: Any], valid: Bool, output: [String: Any]) -> String? {
        if let error = output["error"] {
            return valid ? "rejected a valid message: \(error)" : nil
        }
        for (key, want) in expect {
            guard output.keys.contains(key) else { return "missing key \(key)" }
            let got = output[key]
            if key == "timestamp", let wantText = want as? String, let gotText = got as? String {
                let wantInstant = SyslogTimestamp(iso8601: wantText)?.nanosecondsSinceEpoch
                if wantInstant == nil || wantInstant != SyslogTimestamp(iso8601: gotText)?.nanosecondsSinceEpoch {
                    return "timestamp: want \(wantText), got \(gotText)"
                }
            } else if canonicalJSON(want) != canonicalJSON(got) {
                return "\(key): want \(canonicalJSON(want)), got \(canonicalJSON(got))"
            }
        }
        let msg = output["msg"] as? String
        if let anyOf = extra["msg_any_of"] as? [String], !anyOf.contains(msg ?? "\u{0}") {
            return "msg \(String(describing: msg)) not one of \(anyOf)"
        }
        if let contains = extra["msg_contains"] as? String, !(msg ?? "").contains(contains) {
            return "msg \(String(describing: msg)) does not contain \(contains)"
        }
        if let b64 = extra["msg_b64"] as? String, let bytes = Data(base64Encoded: b64) {
            let latin1 = String(bytes.map { Character(Unicode.Scalar($0)) })
            if msg != latin1 { return "msg \(String(describing: msg)) is not the bytes \(Array(bytes))" }
        }
        if let pri = extra["lenient_default_pri"] as? Int, output["pri"] as? Int != pri {
            return "pri \(String(describing: output["pri"])), want the default \(pri)"
        }
        if let noYear = extra["timestamp_noyear"] as? String {
            guard let text = output["timestamp"] as? String, let timestamp = SyslogTimestamp(iso8601: text) else {
                return "no timestamp, want \(noYear)"
            }
            let seconds = timestamp.secondsSinceEpoch
            let date = CivilTime.civilDate(daysSinceEpoch: Int(seconds / 86_400))
            let secondOfDay = Int(seconds % 86_400)
            func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
            let got = "--\(two(date.month))-\(two(date.day))T\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60))"
            if got != noYear { return "timestamp \(text) is \(got), want \(noYear)" }
        }
        return nil
    }
}
