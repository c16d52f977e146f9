import Testing
@testable import Syslog

/// RFC 5424, strictly: the §6.5 examples, then one table per grammar rule.
@Suite struct RFC5424Tests {
    // MARK: §6.5 examples

    struct Example: Sendable, CustomTestStringConvertible {
        var name: String
        var bytes: [UInt8]
        var expected: ParsedFields
        var testDescription: String { name }

        /// The RFC writes the byte order mark as the three letters "BOM"; `realBOM` puts the bytes there.
        init(_ name: String, _ text: String, realBOM: Bool = false, _ expected: ParsedFields) {
            self.name = name
            let wire = realBOM ? text.split(separator: "BOM", omittingEmptySubsequences: false).joined(separator: "\u{FEFF}") : text
            self.bytes = Array(wire.utf8)
            self.expected = expected
        }
    }

    static let example1 = "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - BOM'su root' failed for lonvick on /dev/pts/8"
    static let example3 = #"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] BOMAn application event log entry..."#
    static let exampleSD = SDElement("exampleSDID@32473", ["iut": "3", "eventSource": "Application", "eventID": "1011"])

    static let examples: [Example] = [
        Example("example 1, BOM as text", example1, ParsedFields(
            format: .rfc5424, priority: 34, version: 1, utc: "2003-10-11T22:14:15.003000Z", utcOffset: 0,
            hostname: "mymachine.example.com", appName: "su", msgID: "ID47",
            message: "BOM'su root' failed for lonvick on /dev/pts/8", service: "su")),
        Example("example 1, real BOM", example1, realBOM: true, ParsedFields(
            format: .rfc5424, priority: 34, version: 1, utc: "2003-10-11T22:14:15.003000Z", utcOffset: 0,
            hostname: "mymachine.example.com", appName: "su", msgID: "ID47",
            message: "'su root' failed for lonvick on /dev/pts/8", service: "su")),
        Example("example 2", "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.", ParsedFields(
            format: .rfc5424, priority: 165, version: 1, utc: "2003-08-24T12:14:15.000003Z", utcOffset: -25_200,
            hostname: "192.0.2.1", appName: "myproc", procID: "8710",
            message: "%% It's time to make the do-nuts.", service: "myproc")),
        Example("example 3, BOM as text", example3, ParsedFields(
            format: .rfc5424, priority: 165, version: 1, utc: "2003-10-11T22:14:15.003000Z", utcOffset: 0,
            hostname: "mymachine.example.com", appName: "evntslog", msgID: "ID47", structuredData: [exampleSD],
            message: "BOMAn application event log entry...", service: "evntslog")),
        Example("example 3, real BOM", example3, realBOM: true, ParsedFields(
            format: .rfc5424, priority: 165, version: 1, utc: "2003-10-11T22:14:15.003000Z", utcOffset: 0,
            hostname: "mymachine.example.com", appName: "evntslog", msgID: "ID47", structuredData: [exampleSD],
            message: "An application event log entry...", service: "evntslog")),
        Example("example 4", #"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]"#, ParsedFields(
            format: .rfc5424, priority: 165, version: 1, utc: "2003-10-11T22:14:15.003000Z", utcOffset: 0,
            hostname: "mymachine.example.com", appName: "evntslog", msgID: "ID47",
            structuredData: [exampleSD, SDElement("examplePriority@32473", ["class": "high"])],
            service: "evntslog")),
    ]

    @Test(arguments: examples)
    func rfcExampleParsesFieldByField(_ example: Example) throws {
        #expect(try parse(example.bytes) == example.expected)
    }

    @Test(arguments: [(0, [0, 0]), (13, [1, 5]), (34, [4, 2]), (165, [20, 5]), (191, [23, 7])])
    func facilityAndSeverityComeFromPRI(_ pri: Int, expected: [Int]) throws {
        #expect(try facilityAndSeverity("<\(pri)>1 - - - - - -") == expected)
    }

    /// Every header field NILVALUE, then the SP before MSG: 18 bytes.
    static let emptyHeader = Array("<13>1 - - - - - - ".utf8)

    @Test func bomIsNotPartOfMessageBytes() throws {
        let bytes = Self.emptyHeader + [0xEF, 0xBB, 0xBF] + Array("héllo".utf8)
        #expect(try messageBytes(bytes) == Array("héllo".utf8))
    }

    @Test func messageThatIsOnlyABOMIsAbsent() throws {
        #expect(try messageBytes(Self.emptyHeader + [0xEF, 0xBB, 0xBF]) == nil)
    }

    @Test func messageWithoutBOMNeedNotBeUTF8() throws {
        let payload: [UInt8] = [0xFF, 0xFE, 0x80, 0x41, 0xC0, 0xAF]
        #expect(try messageBytes(Self.emptyHeader + payload) == payload)
    }

    @Test func bomFollowedByInvalidUTF8IsAnError() {
        let bytes = Self.emptyHeader + [0xEF, 0xBB, 0xBF, 0x41, 0xFF]
        #expect(parseError(bytes) == SyslogParseError(.invalidUTF8, at: 22))
    }

    // MARK: NILVALUE

    @Test func nilValueInEveryFieldLeavesThemAbsent() throws {
        #expect(try parse("<13>1 - - - - - -") == ParsedFields(format: .rfc5424, priority: 13, version: 1))
    }

    @Test func hyphenInsideAFieldIsText() throws {
        let message = try parse("<13>1 - my-host -a -- - - -")
        #expect(message.hostname == "my-host")
        #expect(message.appName == "-a")
        #expect(message.procID == "--")
    }

    @Test func hyphenAfterStructuredDataIsMessage() throws {
        #expect(try parse("<13>1 - - - - - - - msg").message == "- msg")
    }

    @Test(arguments: [1, 42, 999])
    func versionFromOneToThreeDigitsIsAccepted(_ version: Int) throws {
        #expect(try parse("<13>\(version) - - - - - -").version == version)
    }

    // MARK: Header field lengths

    struct FieldLimit: Sendable, CustomTestStringConvertible {
        var kind: SyslogParseError.Kind
        var limit: Int
        /// The message around the field.
        var prefix: String
        var suffix: String
        var testDescription: String { "\(kind) at \(limit)" }

        func message(_ value: String) -> String { prefix + value + suffix }

        func read(_ fields: ParsedFields) -> String? {
            switch kind {
            case .badHostname: fields.hostname
            case .badAppName: fields.appName
            case .badProcID: fields.procID
            default: fields.msgID
            }
        }
    }

    static let limits: [FieldLimit] = [
        FieldLimit(kind: .badHostname, limit: 255, prefix: "<13>1 - ", suffix: " app - - -"),
        FieldLimit(kind: .badAppName, limit: 48, prefix: "<13>1 - host ", suffix: " - - -"),
        FieldLimit(kind: .badProcID, limit: 128, prefix: "<13>1 - host app ", suffix: " - -"),
        FieldLimit(kind: .badMsgID, limit: 32, prefix: "<13>1 - host app - ", suffix: " -"),
    ]

    @Test(arguments: limits)
    func fieldAtItsLengthLimitIsAccepted(_ field: FieldLimit) throws {
        let value = repeated("x", field.limit)
        #expect(field.read(try parse(field.message(value))) == value)
    }

    @Test(arguments: limits)
    func fieldOneByteOverItsLimitIsRejected(_ field: FieldLimit) {
        let text = field.message(repeated("x", field.limit + 1))
        #expect(parseError(text) == SyslogParseError(field.kind, at: field.prefix.utf8.count + field.limit))
    }

    @Test(arguments: ["h\u{7F}st", "hést", "h\tst"])
    func hostnameOutsidePrintableASCIIIsRejected(_ hostname: String) {
        #expect(parseError("<13>1 - \(hostname) app - - -")?.kind == .badHostname)
    }

    // MARK: TIMESTAMP

    struct Timestamp: Sendable, CustomTestStringConvertible {
        var text: String
        var nanoseconds: Int64
        var offset: Int32
        var testDescription: String { text }
    }

    @Test(arguments: [
        Timestamp(text: "2003-10-11T22:14:15.003Z", nanoseconds: 1_065_910_455_003_000_000, offset: 0),
        Timestamp(text: "2003-08-24T05:14:15.000003-07:00", nanoseconds: 1_061_727_255_000_003_000, offset: -25_200),
        Timestamp(text: "1985-04-12T19:20:50.52-04:00", nanoseconds: 482_196_050_520_000_000, offset: -14_400),
        Timestamp(text: "2024-05-19T10:00:00.1Z", nanoseconds: 1_716_112_800_100_000_000, offset: 0),
        Timestamp(text: "2024-05-19T10:00:00.123456Z", nanoseconds: 1_716_112_800_123_456_000, offset: 0),
        Timestamp(text: "2024-05-19T10:00:00+05:45", nanoseconds: 1_716_092_100_000_000_000, offset: 20_700),
        Timestamp(text: "2024-05-19T10:00:00-05:30", nanoseconds: 1_716_132_600_000_000_000, offset: -19_800),
        Timestamp(text: "2024-02-29T23:59:59.999999Z", nanoseconds: 1_709_251_199_999_999_000, offset: 0),
        Timestamp(text: "1970-01-01T00:00:00Z", nanoseconds: 0, offset: 0),
        Timestamp(text: "1969-12-31T23:59:59.5Z", nanoseconds: -500_000_000, offset: 0),
    ])
    func timestampIsConvertedToUTCNanoseconds(_ expected: Timestamp) throws {
        let parsed = try #require(try timestamp("<13>1 \(expected.text) host app - - -"))
        #expect(parsed.nanosecondsSinceEpoch == expected.nanoseconds)
        #expect(parsed.utcOffsetSeconds == expected.offset)
        #expect(parsed.hasExplicitOffset)
        #expect(!parsed.yearWasInferred)
    }

    @Test func nilTimestampIsAbsent() throws {
        #expect(try timestamp("<13>1 - host app - - -") == nil)
    }

    @Test(arguments: [
        ("2023-02-29T10:00:00Z", 14),  // not a leap year
        ("2024-05-19t10:00:00Z", 16),  // lower-case T
        ("2024-05-19T10:00:00z", 25),  // lower-case Z
        ("2024-05-19T10:00:00.1234567Z", 32),  // 7 fraction digits
        ("2024-05-19T10:00:00", 25),  // no offset
        ("2024-05-19T10:00:00+0200", 28),  // offset without colon
        ("2024-05-19T10:00:60Z", 23),  // leap second: §6.2.3 forbids it
    ])
    func timestampOutsideRFC5424sProfileIsRejected(_ text: String, offset: Int) {
        #expect(parseError("<13>1 \(text) host app - - -") == SyslogParseError(.badTimestamp, at: offset))
    }

    @Test(
          arguments: ["0000-01-01T00:00:00Z", "1677-09-21T00:12:43Z", "2262-04-11T23:47:17Z", "9999-12-31T23:59:59Z"])
    func timestampOutsideTheRepresentableRangeIsRejected(_ text: String) {
        #expect(parseError("<13>1 \(text) host app - - -")?.kind == .badTimestamp)
    }

    // MARK: STRUCTURED-DATA

    @Test(arguments: [
        (#"[id a="\"quoted\""]"#, #""quoted""#),
        (#"[id a="back\\slash"]"#, #"back\slash"#),
        (#"[id a="bra\]cket"]"#, "bra]cket"),
        (#"[id a="C:\temp\new"]"#, #"C:\temp\new"#),  // other escapes are kept as sent (§6.3.3)
        (#"[id a="trailing\\"]"#, #"trailing\"#),
        (#"[id a=""]"#, ""),
        (#"[id a="é ünïcode"]"#, "é ünïcode"),
    ])
    func paramValueIsUnescaped(_ sd: String, value: String) throws {
        let parsed = try parse("<13>1 - - - - - \(sd) msg")
        #expect(parsed.structuredData == [SDElement("id", ["a": value])])
        #expect(parsed.message == "msg")
    }

    @Test func repeatedParamNameKeepsEveryValueInOrder() throws {
        let parsed = try parse(#"<13>1 - - - - - [id a="1" b="2" a="3"]"#)
        #expect(parsed.structuredData == [SDElement("id", ["a": "1", "b": "2", "a": "3"])])
    }

    @Test func elementsWithoutParamsAreKept() throws {
        let parsed = try parse(#"<13>1 - - - - - [a][b c="d"][e] msg"#)
        #expect(parsed.structuredData == [SDElement("a"), SDElement("b", ["c": "d"]), SDElement("e")])
        #expect(parsed.message == "msg")
    }

    @Test func bracketTextAfterTheSeparatorIsMessage() throws {
        let parsed = try parse(#"<13>1 - - - - - [a x="1"] [b] msg"#)
        #expect(parsed.structuredData == [SDElement("a", ["x": "1"])])
        #expect(parsed.message == "[b] msg")
    }

    @Test(arguments: [
        (#"[id a="1"][id b="2"]"#, SyslogParseError.Kind.duplicateStructuredDataID),
        (#"[id a="x]y"]"#, .badStructuredData),
        (#"[id a="x"#, .unterminatedStructuredData),
        (#"[id a="x""#, .unterminatedStructuredData),
        ("[id", .unterminatedStructuredData),
        ("[]", .badStructuredData),
        ("[ id]", .badStructuredData),
        ("[id ]", .badStructuredData),
        ("[id a=1]", .badStructuredData),
        ("[id a]", .badStructuredData),
        ("[\(repeated("i", 33))]", .badStructuredData),
        (#"[id \#(repeated("n", 33))="v"]"#, .badStructuredData),
    ])
    func malformedStructuredDataIsRejected(_ sd: String, kind: SyslogParseError.Kind) {
        #expect(parseError("<13>1 - - - - - \(sd) msg")?.kind == kind)
    }

    @Test func sdNamesOfThirtyTwoCharactersAreAccepted() throws {
        let name = repeated("n", 32)
        let parsed = try parse(#"<13>1 - - - - - [\#(name) \#(name)="v"]"#)
        #expect(parsed.structuredData == [SDElement(name, [name: "v"])])
    }

    // MARK: SP before MSG

    @Test func onlyTheFirstSpaceBeforeMessageIsASeparator() throws {
        #expect(try parse("<13>1 - - - - - -   indented").message == "  indented")
        #expect(try parse(#"<13>1 - - - - - [a]  indented"#).message == " indented")
    }

    @Test(arguments: [("<13>1 - - - - - -x", 17), (#"<13>1 - - - - - [a b="c"]x"#, 25)])
    func messageMustBeSeparatedBySpace(_ text: String, offset: Int) {
        #expect(parseError(text) == SyslogParseError(.badMessageSeparator, at: offset))
    }

    @Test func trailingNewlineIsNotPartOfMessage() throws {
        #expect(try parse("<13>1 - - - - - - msg\r\n").message == "msg")
    }
}
