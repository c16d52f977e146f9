import Foundation
import Testing
@testable import Syslog

/// What the fuzzer (`benchmarks/fuzz/`) found, each kept as a test: the input exactly as libFuzzer
/// wrote it, replayed through the target's checks, and the bug in its smallest readable form.
@Suite struct FuzzFindingsTests {
    struct Finding: Sendable, CustomTestStringConvertible {
        var name: String
        /// The crashing input: byte 0 is the target's control byte, the rest the stream.
        var base64: String
        var testDescription: String { name }
    }

    static let findings = [
        Finding(
            name: "an oversize LF frame ended by NUL + `<` swallowed the next message when the stream came in pieces",
            base64: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABn9z2+XX8AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAADw8Mjk+NTAgMjAxNi0wMS0xNVQwMTowMDo0M1ogaG4gAL0ACg4KDlMgLSAtIFsKIsMAvQAKDgoOBAoEsSJdW2JldGEgcHI9IuKCoSJdIPCQjLwgIkdFVCI="),
    ]

    /// The target's checks: the same frames and errors in every chunking, every frame parsed within bounds.
    @Test(arguments: findings)
    func fuzzerInputKeepsEveryInvariant(_ finding: Finding) throws {
        let input = try #require(Data(base64Encoded: finding.base64).map(Array.init))
        let control = input[0]
        let stream = Array(input.dropFirst())
        let mode: SyslogFrameDecoder.Mode = [.detect, .octetCounting, .nonTransparent][Int(control % 3)]
        let maxFrameSize = [64, 1024, SyslogParser.defaultMaxMessageSize][Int(control / 3 % 3)]
        let whole = decodeFrames([stream], mode: mode, maxFrameSize: maxFrameSize)
        for size in 1...16 {
            #expect(decodeFrames(stream.chunked(size), mode: mode, maxFrameSize: maxFrameSize) == whole, "chunks of \(size)")
        }
        for frame in whole.frames + [stream] {
            PropertyTests.checkParseStaysInBounds(frame, maxMessageSize: maxFrameSize)
        }
    }

    @Test(arguments: [SyslogFrameDecoder.Mode.detect, .nonTransparent])
    func oversizeLineEndsAtANULBeforeTheNextMessageInEveryChunking(_ mode: SyslogFrameDecoder.Mode) {
        let stream = Array(repeating: UInt8(ascii: "x"), count: 70) + [0] + Array("<1>next\n<2>more\n".utf8)
        let whole = decodeFrames([stream], mode: mode, maxFrameSize: 64)
        #expect(whole.events == [.error(.oversize, at: 64), .frame("<1>next"), .frame("<2>more")])
        for size in 1...stream.count {
            #expect(decodeFrames(stream.chunked(size), mode: mode, maxFrameSize: 64) == whole, "chunks of \(size)")
        }
    }
}
