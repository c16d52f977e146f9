import Foundation
import Testing

@testable import vigil

/// `vigil templates`: line splitting, and the command as a user runs it (the built executable).
@Suite struct TemplatesCommandTests {
    func split(_ chunks: [String], maximumLength: Int = 100) -> [(String, Bool)] {
        var splitter = LineSplitter(maximumLength: maximumLength)
        var lines: [(String, Bool)] = []
        for chunk in chunks {
            Array(chunk.utf8).withUnsafeBytes { bytes in
                splitter.split(bytes) { line, cut in lines.append((String(decoding: line, as: UTF8.self), cut)) }
            }
        }
        splitter.finish { line, cut in lines.append((String(decoding: line, as: UTF8.self), cut)) }
        return lines
    }

    @Test func linesAcrossChunkBoundariesAreWhole() {
        let lines = split(["first li", "ne\nsecond\r\n", "\nlast"])
        #expect(lines.map(\.0) == ["first line", "second", "", "last"])
        #expect(lines.allSatisfy { !$0.1 })
    }

    @Test func anOverlongLineIsCutAndReported() {
        let lines = split(["abcdefghij", "klmnop\nok\n"], maximumLength: 8)
        #expect(lines.map(\.0) == ["abcdefgh", "ok"])
        #expect(lines.map(\.1) == [true, false])
        let single = split(["0123456789\n"], maximumLength: 4)
        #expect(single.map(\.0) == ["0123"])
        #expect(single.map(\.1) == [true])
    }

    func vigil(_ arguments: [String], stdin: String) throws -> (status: Int32, lines: [[String: Any]], stderr: String) {
        let result = try VigilBinary.run(arguments, stdin: stdin)
        return (result.status, result.objects, result.stderr)
    }

    @Test func rawLinesGetOneObjectEachWithTheFinalTemplate() throws {
        let input = """
            Invalid user alice from 10.0.0.1
            Invalid user bob from 10.0.0.2
            Invalid user carol from 10.0.0.3
            Connection closed by 10.0.0.4 [preauth]

            """
        let result = try vigil(["templates", "--raw"], stdin: input)
        #expect(result.status == 0)
        #expect(result.lines.map { $0["line"] as? Int } == [1, 2, 3, 4])
        let ids = result.lines.map { $0["template_id"] as? String }
        // bob's template was folded into alice's after the fact: the output shows the final id.
        #expect(ids[0] == ids[1] && ids[1] == ids[2])
        #expect(ids[3] != ids[0])
        #expect(ids.allSatisfy { $0?.count == 16 })
        #expect(result.lines[0]["template"] as? String == "Invalid user <*> from <*>")
        #expect(result.lines[3]["template"] as? String == "Connection closed by <*> [preauth]")
        #expect(result.stderr.contains(#""lines":4,"templates":2"#))
    }

    @Test func syslogLinesAreMinedPerServiceAndBadOnesReported() throws {
        let input = """
            <34>1 2024-05-14T09:00:00Z host sshd 12 - - Accepted password for root from 10.0.0.1 port 22 ssh2
            <13>May 14 09:00:01 host kernel: eth0 link up
            <999>not a message

            """
        let result = try vigil(["templates"], stdin: input)
        #expect(result.status == 0)
        #expect(result.lines.count == 3)
        #expect(result.lines[0]["service"] as? String == "sshd")
        #expect(result.lines[0]["template"] as? String == "Accepted password for root from <*> port <*> ssh2")
        #expect(result.lines[1]["service"] as? String == "kernel")
        #expect(result.lines[2]["error"] is String)
        #expect(result.lines[2]["line"] as? Int == 3)
        #expect(result.stderr.contains(#""errors":1"#))
    }
}
