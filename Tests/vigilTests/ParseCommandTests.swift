import Foundation
import Testing

/// `vigil parse` as a user runs it: the built executable, with files, stdin and flags.
@Suite struct ParseCommandTests {
    func vigil(_ arguments: [String], stdin: String = "") throws -> VigilBinary.Result {
        try VigilBinary.run(arguments, stdin: stdin)
    }

    func temporaryFile(_ contents: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-\(UUID().uuidString).log").path
        try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func readsStandardInputWhenNoFileIsGiven() throws {
        let result = try vigil(["parse"], stdin: "<13>1 - h app - - - one\n<14>Jan  1 00:00:00 h tag: two\n")
        #expect(result.status == 0)
        #expect(result.lines.count == 2)
        #expect(result.lines[0].contains(#""msg":"one""#))
        #expect(result.lines[1].contains(#""app_name":"tag""#))
    }

    @Test func readsFilesInOrderEachAsItsOwnStream() throws {
        let first = try temporaryFile("<13>1 - h a - - - first")  // no trailing LF: still a message
        let second = try temporaryFile("<13>1 - h a - - - second\n")
        defer { try? FileManager.default.removeItem(atPath: first); try? FileManager.default.removeItem(atPath: second) }
        let result = try vigil(["parse", first, second])
        #expect(result.status == 0)
        #expect(result.lines.map { $0.contains("first") } == [true, false])
        #expect(result.lines.map { $0.contains("second") } == [false, true])
    }

    @Test func statsPrintsOnlyOneSummaryLine() throws {
        let result = try vigil(["parse", "--stats"], stdin: "<13>1 - h a - - - ok\n<999>bad\n<13>Jan  1 00:00:00 h t: ok\n")
        #expect(result.status == 0)
        #expect(result.lines.count == 1)
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(Set(summary.keys) == ["messages", "errors", "seconds", "per_second"])
        #expect(summary["messages"] as? Int == 3)
        #expect(summary["errors"] as? Int == 1)
    }

    @Test func octetFramingKeepsLineFeedsInsideMessages() throws {
        let result = try vigil(["parse", "--framing", "octet"], stdin: "20 <1>1 - - - - - - x\ny16 <1>1 - - - - - -")
        #expect(result.status == 0)
        #expect(result.lines.count == 2)
        #expect(result.lines[0].contains(#""msg":"x\ny""#))
    }

    @Test func unreadableFileFailsTheRunButOthersAreStillRead() throws {
        let good = try temporaryFile("<13>1 - h a - - - good\n")
        defer { try? FileManager.default.removeItem(atPath: good) }
        let result = try vigil(["parse", "/nonexistent/vigil-input.log", good])
        #expect(result.status != 0)
        #expect(result.stderr.contains("cannot read /nonexistent/vigil-input.log"))
        #expect(result.lines.count == 1)
    }

    @Test func referenceTimeAndTimezoneDecideTheInstantOfAnRFC3164Timestamp() throws {
        let result = try vigil(
            ["parse", "--reference-time", "2024-01-02T00:00:00Z", "--timezone", "+01:00"],
            stdin: "<13>Dec 31 23:30:00 h t: x\n")
        #expect(result.lines.first?.contains(#""timestamp":"2023-12-31T22:30:00.000000Z""#) == true)
    }

    @Test func badOptionsAreRejectedWithAClearMessage() throws {
        let result = try vigil(["parse", "--timezone", "Mars/Olympus"], stdin: "")
        #expect(result.status != 0)
        #expect(result.stderr.contains("unknown time zone"))
    }
}
