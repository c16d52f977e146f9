import Foundation
import Syslog
import Testing
@testable import vigil

@Suite struct SyslogMessageJSONTests {
    static let keys: Set<String> = [
        "format", "pri", "facility", "severity", "version", "timestamp", "hostname", "app_name",
        "procid", "msgid", "structured_data", "msg", "service",
    ]

    @Test(arguments: [
        "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - 'su root' failed",
        "<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!",
        "<10>1 - - - - - -",
    ])
    func everyMessageHasExactlyTheDocumentedKeys(_ line: String) throws {
        let output = parseOutput(Array(line.utf8))
        let object = try #require(output.objects.first)
        #expect(Set(object.keys) == Self.keys)
    }

    @Test func nilFieldsAreNullAndNumbersAreNumbers() throws {
        let object = try #require(parseOutput(Array("<10>1 - - - - - -".utf8)).objects.first)
        #expect(object["pri"] as? Int == 10)
        #expect(object["facility"] as? Int == 1)
        #expect(object["severity"] as? Int == 2)
        #expect(object["version"] as? Int == 1)
        for key in ["timestamp", "hostname", "app_name", "procid", "msgid", "structured_data", "msg", "service"] {
            #expect(object[key] is NSNull, "\(key) should be null")
        }
    }

    @Test func timestampIsRFC3339InUTCWithFraction() throws {
        let line = "<13>1 2018-12-31T23:59:59.999999-23:59 h a - - - x"
        let object = try #require(parseOutput(Array(line.utf8)).objects.first)
        #expect(object["timestamp"] as? String == "2019-01-01T23:58:59.999999Z")
    }

    @Test func repeatedParameterBecomesAListAndEscapesAreRemoved() throws {
        let line = #"<13>1 - h a - - [x@1 k="1" k="2" e="q\"b\\s\]n\n"][y z="w"] m"#
        let object = try #require(parseOutput(Array(line.utf8)).objects.first)
        let sd = try #require(object["structured_data"] as? [String: Any])
        #expect(canonicalJSON(sd) == canonicalJSON(["x@1": ["k": ["1", "2"], "e": #"q"b\s]n\n"#], "y": ["z": "w"]]))
    }

    @Test func macOSSubsystemIsStructuredDataOfAnRFC3164Message() throws {
        let line = "Jul  2 16:55:53 mac com.apple.xpc.launchd[1] (com.apple.xpc.launchd.domain.pid.WebContent.32502): Path not allowed"
        let object = try #require(parseOutput(Array(line.utf8)).objects.first)
        #expect(Set(object.keys) == Self.keys)
        #expect(canonicalJSON(object["structured_data"]) == canonicalJSON(["origin": ["subsystem": "com.apple.xpc.launchd.domain.pid.WebContent.32502"]]))
        #expect(object["app_name"] as? String == "com.apple.xpc.launchd")
        #expect(object["msg"] as? String == "Path not allowed")
        let plain = try #require(parseOutput(Array("Jul  2 16:55:53 mac app[1]: (x): y".utf8)).objects.first)
        #expect(plain["structured_data"] is NSNull)
    }

    @Test func controlCharactersAndQuotesAreEscaped() throws {
        let line: [UInt8] = Array("<13>1 - h a - - - a\"b\\c\td".utf8) + [0x01, 0x1F] + Array("e".utf8)
        let output = parseOutput(line)
        let object = try #require(output.objects.first)
        #expect(object["msg"] as? String == "a\"b\\c\td\u{01}\u{1F}e")
        #expect(String(decoding: output.raw, as: UTF8.self).contains(#"\u0001\u001f"#))
    }

    @Test func invalidUTF8BytesAreReadAsLatin1AndValidUTF8IsKept() throws {
        let line: [UInt8] = Array("<13>1 - h a - - - fond".utf8) + [0xFC] + Array(" κόσμε ".utf8) + [0xE4, 0xC3]
        let output = parseOutput(line)
        let object = try #require(output.objects.first)
        #expect(object["msg"] as? String == "fondü κόσμε äÃ")
    }

    @Test func errorLineHasReasonAndOffsetAndTheRunGoesOn() throws {
        let output = parseOutput(Array("<192>1 - - - - - -\n<13>1 - - - - - -\n".utf8))
        #expect(output.objects.count == 2)
        let error = try #require(output.objects.first)
        #expect(Set(error.keys) == ["error", "offset"])
        #expect(error["error"] as? String == "bad PRI: above 191")
        #expect(error["offset"] as? Int == 1)
        #expect(output.objects.last?["pri"] as? Int == 13)
        #expect(output.messages == 2 && output.errors == 1)
    }

    @Test func framingErrorsAreReportedInPlaceWithStreamOffsets() throws {
        let output = parseOutput(Array("16 <1>1 - - - - - -xaaa".utf8), framing: .octetCounting)
        #expect(output.objects.count == 2)
        #expect(output.objects.last?["error"] as? String == "framing error: expected MSG-LEN")
        #expect(output.objects.last?["offset"] as? Int == 19)
    }
}
