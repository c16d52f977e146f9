import Testing
@testable import Syslog

/// RFC 6587 framing: octet counting, LF (with CRLF and NUL), detection per frame, incremental
/// decoding and bounded resynchronisation.
@Suite struct FramingTests {
    /// `MSG-LEN SP MSG`.
    static func octet(_ message: String) -> String { "\(message.utf8.count) \(message)" }

    // MARK: Frames

    @Test func octetCountingSplitsByLengthAndKeepsNewlinesInside() {
        let stream = Self.octet("<1>ab") + Self.octet("<2>a\nb\nc") + "\n" + Self.octet("<3>héllo")
        #expect(decodeFrames(stream, mode: .octetCounting).events == [
            .frame("<1>ab"), .frame("<2>a\nb\nc"), .frame("<3>héllo"),
        ])
    }

    @Test(arguments: [
        ("<1>a\n<2>b\n", ["<1>a", "<2>b"]),
        ("<1>a\r\n<2>b\r\n", ["<1>a\r", "<2>b\r"]),  // the CR is trailing whitespace to the parser
        ("<1>a\0<2>b\0", ["<1>a", "<2>b"]),  // NUL then `<` ends a frame; a NUL at the end is a trailer
        ("<1>a\0b\n", ["<1>a\0b"]),  // a NUL not followed by `<` is content
        ("\n\n\r\n<1>a\n\n", ["<1>a"]),  // blank lines between frames
        ("<1>a\n<2>no LF at the end", ["<1>a", "<2>no LF at the end"]),
    ])
    func nonTransparentFramingEndsFramesAtLF(_ stream: String, frames: [String]) {
        #expect(decodeFrames(stream, mode: .nonTransparent).events == frames.map { .frame($0) })
    }

    @Test(arguments: [SyslogFrameDecoder.Mode.nonTransparent, .detect])
    func crlfAndNULTrailersAreNotPartOfTheParsedMessage(_ mode: SyslogFrameDecoder.Mode) throws {
        let run = decodeFrames("<13>May 19 10:00:00 host app: one\r\n<13>May 19 10:00:00 host app: two\0", mode: mode)
        let messages = try run.frames.map { frame throws in try parse(frame).message }
        #expect(messages == ["one", "two"])
    }

    @Test func detectModeTellsOctetCountedFramesFromLines() {
        let stream = "123: *Mar  1 18:46:11.123: %SYS-5-CONFIG_I: x\n" + Self.octet("<1>a\nb") + "<2>line\n"
            + "12345678901234 digits\n" + "2147483648 <1>1 - - - - - -\n" + Self.octet("<3>last")
        #expect(decodeFrames(stream, mode: .detect).events == [
            .frame("123: *Mar  1 18:46:11.123: %SYS-5-CONFIG_I: x"), .frame("<1>a\nb"), .frame("<2>line"),
            .frame("12345678901234 digits"), .frame("2147483648 <1>1 - - - - - -"), .frame("<3>last"),
        ])
    }

    // MARK: Incremental decoding

    static let streams: [(SyslogFrameDecoder.Mode, String)] = [
        (.octetCounting, "junk " + octet("<1>ab") + octet("<2>a\nb") + octet("<3>héllo wörld") + "7x" + octet("<4>after")),
        (.nonTransparent, "<1>a\n<2>b\r\n\n<3>c\0<4>d\0\n<5>héllo\n<6>no LF at the end"),
        (.detect, octet("<1>ab") + "<2>line\n" + "123: *Mar  1 18:46:11: %SYS-5-CONFIG_I: x\n" + octet("<3>x\ny") + "<4>tail"),
    ]

    @Test(arguments: streams)
    func splittingTheStreamAnywhereGivesTheSameEvents(_ mode: SyslogFrameDecoder.Mode, stream: String) {
        let bytes = Array(stream.utf8)
        let whole = decodeFrames([bytes], mode: mode)
        #expect(whole.frames.count >= 4)
        for split in 0...bytes.count {
            let run = decodeFrames([Array(bytes[..<split]), Array(bytes[split...])], mode: mode)
            #expect(run == whole, "split at \(split)")
        }
    }

    @Test(arguments: streams)
    func feedingOneByteAtATimeGivesTheSameEvents(_ mode: SyslogFrameDecoder.Mode, stream: String) {
        let bytes = Array(stream.utf8)
        #expect(decodeFrames(bytes.map { [$0] }, mode: mode) == decodeFrames([bytes], mode: mode))
    }

    @Test func oversizeStreamSplitAnywhereGivesTheSameFramesAndErrorKinds() {
        let bytes = Array("<1>aaaaaaaaaaaaaaaa\n<2>b\n<3>cc\n".utf8)
        let whole = decodeFrames([bytes], mode: .nonTransparent, maxFrameSize: 10)
        #expect(whole.errors == [.oversize] && whole.frames == [Array("<2>b".utf8), Array("<3>cc".utf8)])
        for split in 0...bytes.count {
            let run = decodeFrames([Array(bytes[..<split]), Array(bytes[split...])], mode: .nonTransparent, maxFrameSize: 10)
            #expect(run.frames == whole.frames && run.errors == whole.errors, "split at \(split)")
        }
    }

    @Test
    func oversizeErrorOffsetDoesNotDependOnChunking() {
        let bytes = Array("<1>aaaaaaaaaaaaaaaa\n<2>b\n".utf8)
        let whole = decodeFrames([bytes], mode: .nonTransparent, maxFrameSize: 10)
        #expect(decodeFrames([Array(bytes[..<11]), Array(bytes[11...])], mode: .nonTransparent, maxFrameSize: 10) == whole)
    }

    @Test
    func nulTrailerAtAChunkEndDoesNotCountTowardsTheFrameSize() {
        let bytes = Array("<1>aaaaaaa\0<2>b\n".utf8)  // the first frame is exactly 10 bytes
        let split = decodeFrames([Array(bytes[..<11]), Array(bytes[11...])], mode: .nonTransparent, maxFrameSize: 10)
        #expect(split.events == [.frame("<1>aaaaaaa"), .frame("<2>b")])
    }

    // MARK: End of stream

    @Test func lineWithoutLFIsDeliveredAtFinish() {
        let run = decodeFrames("<1>a\n<2>unterminated", mode: .nonTransparent)
        #expect(run.events == [.frame("<1>a"), .frame("<2>unterminated")])
        #expect(run.truncatedFrames == 0)
    }

    @Test func incompleteOctetFrameIsDeliveredAndCountedAtFinish() {
        let run = decodeFrames("5 <1>ab10 <2>abc", mode: .octetCounting)
        #expect(run.events == [.frame("<1>ab"), .frame("<2>abc")])
        #expect(run.truncatedFrames == 1)
    }

    @Test func streamEndingInsideMSGLENIsAnError() {
        #expect(decodeFrames("5 <1>ab12", mode: .octetCounting).events == [.frame("<1>ab"), .error(.truncated, at: 9)])
        #expect(decodeFrames("5 <1>ab12", mode: .detect).events == [.frame("<1>ab"), .frame("12")])
    }

    // MARK: Limits and resynchronisation

    @Test func frameOfExactlyTheMaximumSizeIsAccepted() {
        #expect(decodeFrames("<1>aaaaaaa\n", mode: .nonTransparent, maxFrameSize: 10).events == [.frame("<1>aaaaaaa")])
        #expect(decodeFrames(Self.octet("<1>aaaaaaa"), mode: .octetCounting, maxFrameSize: 10).events == [.frame("<1>aaaaaaa")])
    }

    @Test func oversizeOctetFrameIsOneErrorThenTheNextFrameIsRead() {
        let run = decodeFrames("20 <1>aaaaaaaaaaaaaaaaa" + Self.octet("<1>ab"), mode: .octetCounting, maxFrameSize: 10)
        #expect(run.events == [.error(.oversize, at: 2), .frame("<1>ab")])
    }

    @Test func oversizeLineIsOneErrorThenTheNextLineIsRead() {
        let chunks = Array("<1>\(repeated("a", 200))\n<2>b\n".utf8).chunked(7)
        let run = decodeFrames(chunks, mode: .nonTransparent, maxFrameSize: 64)
        #expect(run.errors == [.oversize])
        #expect(run.frames == [Array("<2>b".utf8)])
        #expect(run.largestCarry <= 64)
    }

    @Test
    func oversizeOctetFrameInDetectModeIsSkippedByItsLength() {
        let run = decodeFrames("20 <1>aaaaaaaaaaaaaaaaa" + Self.octet("<1>ab"), mode: .detect, maxFrameSize: 10)
        #expect(run.errors == [.oversize])
        #expect(run.frames == [Array("<1>ab".utf8)])
    }

    @Test func oversizeLengthNotFollowedByPRIStaysALineInDetectMode() {
        // "70000 apples" is text that starts with a number, not an octet-counted frame.
        let run = decodeFrames("70000 apples\n<1>b\n", mode: .detect, maxFrameSize: 100)
        #expect(run.events == [.frame("70000 apples"), .frame("<1>b")])
    }

    static let garbage: [(String, [FrameEvent])] = [
        ("garbage here " + octet("<1>ab") + octet("<2>cde"), [.error(.badLength, at: 0), .frame("<1>ab"), .frame("<2>cde")]),
        ("5x<1>ab" + octet("<1>cd"), [.error(.missingSpace, at: 1), .frame("<1>cd")]),
        ("junk 12 x " + octet("<1>ab"), [.error(.badLength, at: 0), .frame("<1>ab")]),  // `12 x` is not `LEN SP <`
        ("05 <1>ab", [.error(.badLength, at: 0), .frame("<1>ab")]),  // MSG-LEN has no leading zero
    ]

    @Test(arguments: garbage)
    func garbageInOctetModeIsOneErrorThenResynchronises(_ stream: String, events: [FrameEvent]) {
        #expect(decodeFrames(stream, mode: .octetCounting).events == events)
    }

    @Test(arguments: ["2147483648 <1>1 - - - - - -", "99999999999999999999 <1>x", "9223372036854775808 <1>x"])
    func hugeMSGLENIsAnErrorWithoutBuffering(_ stream: String) {
        let bytes = Array(stream.utf8)
        for chunks in [[bytes], bytes.map { [$0] }] {
            let run = decodeFrames(chunks, mode: .octetCounting)
            #expect(run.errors == [.oversize])
            #expect(run.frames.isEmpty)
            #expect(run.largestCarry <= String(SyslogParser.defaultMaxMessageSize).count)  // at most the MSG-LEN digits
        }
    }

    @Test(arguments: SyslogFrameDecoder.Mode.allCases)
    func carryNeverExceedsTheMaximumFrameSize(_ mode: SyslogFrameDecoder.Mode) {
        let stream = Array(("900 <1>" + repeated("a", 1_000) + "\n" + Self.octet("<2>ok") + "\n").utf8)
        for size in [1, 3, 64, 500] {
            let run = decodeFrames(stream.chunked(size), mode: mode, maxFrameSize: 64)
            #expect(run.largestCarry <= 64, "chunks of \(size)")
            #expect(run.frames.allSatisfy { $0.count <= 64 }, "chunks of \(size)")
            #expect(!run.errors.isEmpty, "chunks of \(size)")
        }
    }

    @Test(
          arguments: SyslogFrameDecoder.Mode.allCases)
    func carryStaysWithinATinyMaximumFrameSize(_ mode: SyslogFrameDecoder.Mode) {
        let run = decodeFrames(Array("123456789 <1>x\n".utf8).chunked(1), mode: mode, maxFrameSize: 4)
        #expect(run.largestCarry <= 4)
        #expect(run.frames.allSatisfy { $0.count <= 4 })
    }

    @Test func aTruncatedOctetFrameSaysHowLongItShouldHaveBeen() {
        var decoder = SyslogFrameDecoder(mode: .octetCounting)
        var seen: [(bytes: [UInt8], expected: Int)] = []
        Array("20 <1>1 - - - - - - x".utf8).withUnsafeBytes { decoder.decode($0) { _ in } }
        decoder.finish { event in
            if case .truncatedFrame(let bytes, let expected) = event { seen.append((Array(bytes), expected)) }
        }
        #expect(seen.count == 1)
        #expect(seen.first?.bytes == Array("<1>1 - - - - - - x".utf8))
        #expect(seen.first?.expected == 20)
        #expect(decoder.truncatedFrames == 1)
    }
}
