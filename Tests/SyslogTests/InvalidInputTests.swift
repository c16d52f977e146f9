import Testing
@testable import Syslog

/// Inputs the parser must reject, each with the error kind and the byte offset it names.
@Suite struct InvalidInputTests {
    struct Invalid: Sendable, CustomTestStringConvertible {
        var bytes: [UInt8]
        var kind: SyslogParseError.Kind
        var offset: Int
        var testDescription: String { String(decoding: bytes.prefix(60), as: UTF8.self).debugDescription }

        init(_ text: String, _ kind: SyslogParseError.Kind, at offset: Int) {
            self.init(Array(text.utf8), kind, at: offset)
        }

        init(_ bytes: [UInt8], _ kind: SyslogParseError.Kind, at offset: Int) {
            self.bytes = bytes
            self.kind = kind
            self.offset = offset
        }
    }

    @Test(arguments: [
        // Nothing there.
        Invalid("", .empty, at: 0),
        Invalid("   ", .empty, at: 3),
        Invalid([0x0D, 0x0A, 0x00, 0x09], .empty, at: 4),
        // PRI.
        Invalid("<192>1 - - - - - -", .badPriority, at: 1),
        Invalid("<999>x", .badPriority, at: 1),
        Invalid("<abc>", .badPriority, at: 1),
        Invalid("<>", .badPriority, at: 1),
        Invalid("<-1>x", .badPriority, at: 1),
        Invalid("<1", .badPriority, at: 2),
        Invalid("<13 x", .badPriority, at: 3),
        Invalid("<0192>x", .badPriority, at: 4),
        Invalid("<1000>x", .badPriority, at: 4),
        Invalid("1 2024-05-19T10:00:00Z host app - - - msg", .missingPriority, at: 0),
        Invalid("  1 - - - - - -", .missingPriority, at: 2),
        // VERSION.
        Invalid("<13>0 - - - - - -", .badVersion, at: 4),
        Invalid("<13>01 - - - - - -", .badVersion, at: 4),
        // TIMESTAMP.
        Invalid("<13>1", .badTimestamp, at: 5),
        Invalid("<13>1 -x - - - - -", .badTimestamp, at: 7),
        Invalid("<13>1 2024-05-19 host app - - -", .badTimestamp, at: 16),
        Invalid("<13>1 2024-13-01T10:00:00Z host app - - -", .badTimestamp, at: 11),
        Invalid("<13>1 2024-04-31T10:00:00Z host app - - -", .badTimestamp, at: 14),
        Invalid("<13>1 2024-05-19T24:00:00Z host app - - -", .badTimestamp, at: 17),
        Invalid("<13>1 2024-05-19T10:60:00Z host app - - -", .badTimestamp, at: 20),
        Invalid("<13>1 2024-05-19T10:00:00.Z host app - - -", .badTimestamp, at: 26),
        Invalid("<13>1 2024-05-19T10:00:00+24:00 host app - - -", .badTimestamp, at: 25),
        Invalid("<13>1 2024-05-19T10:00:00+02 host app - - -", .badTimestamp, at: 28),
        Invalid("<13>1 2024-05-19T10:00:00Zhost app - - -", .badTimestamp, at: 26),
        Invalid("<13>1 May 19 10:00:00 host app - - -", .badTimestamp, at: 6),
        // Header fields: empty (two SP), too long, not PRINTUSASCII, cut short.
        Invalid("<13>1 -  host app - - -", .badHostname, at: 8),
        Invalid("<13>1 - host  app - - -", .badAppName, at: 13),
        Invalid("<13>1 - host app  - -", .badProcID, at: 17),
        Invalid("<13>1 - host app -  -", .badMsgID, at: 19),
        Invalid("<13>1 - \(repeated("h", 256)) app - - -", .badHostname, at: 263),
        Invalid("<13>1 - host \(repeated("a", 49)) - - -", .badAppName, at: 61),
        Invalid("<13>1 - h\u{E9}st app - - -", .badHostname, at: 9),
        Invalid("<13>1 - host", .badHostname, at: 12),
        Invalid("<13>1 - - - - -", .badMsgID, at: 15),
        // STRUCTURED-DATA.
        Invalid("<13>1 - - - - - x", .badStructuredData, at: 16),
        Invalid("<13>1 - - - - - []", .badStructuredData, at: 17),
        Invalid(#"<13>1 - - - - - [a b="c" ]"#, .badStructuredData, at: 25),
        Invalid(#"<13>1 - - - - - [a b="]"]"#, .badStructuredData, at: 22),
        Invalid(#"<13>1 - - - - - [a b="c"][a d="e"]"#, .duplicateStructuredDataID, at: 26),
        Invalid(#"<13>1 - - - - - [a b="c"#, .unterminatedStructuredData, at: 23),
        Invalid(#"<13>1 - - - - - [a b="c""#, .unterminatedStructuredData, at: 24),
        // Separator before MSG.
        Invalid("<13>1 - - - - - [a]x", .badMessageSeparator, at: 19),
        Invalid("<13>1 - - - - - --", .badMessageSeparator, at: 17),
        // MSG announced as UTF-8.
        Invalid(Array("<13>1 - - - - - - ".utf8) + [0xEF, 0xBB, 0xBF, 0xC3, 0x28], .invalidUTF8, at: 21),
        Invalid(Array("<13>1 - - - - - - ".utf8) + [0xEF, 0xBB, 0xBF, 0xED, 0xA0, 0x80], .invalidUTF8, at: 21),  // surrogate
        Invalid(Array("<13>1 - - - - - - ".utf8) + [0xEF, 0xBB, 0xBF, 0xC0, 0xAF], .invalidUTF8, at: 21),  // overlong
    ])
    func invalidInputIsRejectedWithKindAndOffset(_ input: Invalid) {
        #expect(parseError(input.bytes) == SyslogParseError(input.kind, at: input.offset))
    }

    @Test func messageOverTheMaximumSizeIsRejected() throws {
        let parser = SyslogParser(maxMessageSize: 16, timeZone: .utc, referenceTime: SyslogParser.fixedReferenceTime)
        #expect(parseError("<13>1 - - - - - -x", parser: parser) == SyslogParseError(.oversize, at: 16))
        #expect(try parse("<13>hello world!", parser: parser).message == "hello world!")
    }

    @Test func defaultMaximumSizeIs64KiB() throws {
        let body = repeated("x", SyslogParser.defaultMaxMessageSize - 4)
        #expect(try parse("<13>" + body, parser: SyslogParser(referenceTime: 0)).message?.utf8.count == body.utf8.count)
        #expect(parseError("<13>" + body + "x", parser: SyslogParser(referenceTime: 0))?.kind == .oversize)
    }

    @Test func errorDescriptionIsKindThenDetail() {
        #expect(SyslogParseError(.badTimestamp, at: 3, "day out of range").description == "bad timestamp: day out of range")
        #expect(SyslogParseError(.empty, at: 0).description == "empty message")
    }

    @Test func everyKindHasItsOwnSummary() {
        let summaries = SyslogParseError.Kind.allCases.map(\.summary)
        #expect(Set(summaries).count == summaries.count)
    }
}
