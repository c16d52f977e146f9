#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits a TCP byte stream into syslog messages (RFC 6587), incrementally and within bounds.
///
/// - Octet counting (§3.4.1): `MSG-LEN SP SYSLOG-MSG`, MSG-LEN a decimal without leading zero.
/// - Non-transparent framing (§3.4.2): frames end at LF. CRLF is tolerated (the CR is trailing
///   whitespace to the parser), and so is NUL as a trailer: a NUL followed by `<` ends a frame.
/// - ``Mode/detect`` decides per frame, as rsyslog and syslog-ng do: a frame that starts with
///   `MSG-LEN SP` (within the size limit) is octet-counted, anything else runs to LF.
///
/// Frames are handed out as views: into the caller's chunk when the frame lies inside it (the
/// common case — no copy), or into a carry buffer holding the part of a frame that arrived in an
/// earlier chunk. The carry never exceeds ``maxFrameSize``: an oversize or garbage frame is an
/// error, after which the decoder resynchronises on the next plausible frame.
public struct SyslogFrameDecoder {
    public enum Mode: String, Sendable, CaseIterable {
        /// RFC 6587 §3.4.1 only; anything else is a framing error followed by resynchronisation.
        case octetCounting
        /// RFC 6587 §3.4.2 only (LF-terminated; CRLF and NUL trailers tolerated).
        case nonTransparent
        /// Octet counting or LF, decided per frame.
        case detect
    }

    public enum Event {
        /// One frame's bytes; valid only during the callback.
        case frame(UnsafeRawBufferPointer)
        /// The start of an octet-counted frame the stream ended inside: fewer bytes than its
        /// MSG-LEN. A receiver delivers it (best effort); a checker reports it.
        case truncatedFrame(UnsafeRawBufferPointer, expected: Int)
        case error(FramingError)
    }

    public let mode: Mode
    public let maxFrameSize: Int
    /// Frames delivered incomplete by ``finish(_:)`` because the stream ended inside them.
    public private(set) var truncatedFrames = 0

    /// Bytes held for a frame that is not complete yet; never more than ``maxFrameSize``.
    public var bufferedByteCount: Int { carry.count }

    private var state = State.frameStart
    /// Bytes of the frame in progress that arrived in earlier chunks.
    private var carry: [UInt8] = []
    /// Stream offset of the current chunk's first byte, for error offsets.
    private var streamOffset = 0

    private enum State {
        case frameStart
        /// Reading MSG-LEN; its digits are part of the unit (``Mode/detect`` may yet call it a line).
        case length(value: Int, digits: Int)
        /// ``Mode/detect``: `MSG-LEN SP` above the limit was read; a `<` next makes it an oversize
        /// octet-counted frame, anything else a line that starts with a number.
        case oversizeHeader(value: Int)
        case octetBody(remaining: Int)
        /// Skipping an oversize octet-counted frame by its MSG-LEN (bounded: nothing is kept).
        case discardOctets(remaining: Int)
        /// Inside an LF-terminated frame; `endsWithNUL` when the last byte seen was a NUL.
        case line(endsWithNUL: Bool)
        /// Dropping an oversize LF frame up to where it ends — its LF, or a NUL followed by `<`
        /// (`afterNUL`: the previous chunk ended with a NUL, so a `<` now ends it).
        case discardLine(afterNUL: Bool)
        /// After an octet-counting error: looking for `[1-9][0-9]* SP <` at a digit-run boundary.
        case resync(Resync)
    }

    private enum Resync {
        case seek(previousWasDigit: Bool)
        case digits(value: Int, count: Int)
        case space(value: Int)
    }

    /// The most MSG-LEN digits read: one more digit than ``maxFrameSize`` has is oversize already,
    /// so the carry never holds more header than a frame may be long.
    private let maxLengthDigits: Int

    public init(mode: Mode = .detect, maxFrameSize: Int = SyslogParser.defaultMaxMessageSize) {
        self.mode = mode
        self.maxFrameSize = max(1, maxFrameSize)
        self.maxLengthDigits = String(self.maxFrameSize).count
    }

    /// Feeds the next chunk of the stream; `body` receives every frame and error it completes.
    public mutating func decode(_ chunk: UnsafeRawBufferPointer, _ body: (Event) -> Void) {
        let count = chunk.count
        guard count > 0 else { return }
        var i = 0
        // Where the unit in progress (header or frame) starts in this chunk; 0 when it started in
        // an earlier chunk (its earlier bytes are in `carry`).
        var unitStart = 0

        func emit(upTo end: Int) {
            if carry.isEmpty {
                body(.frame(UnsafeRawBufferPointer(rebasing: chunk[unitStart..<end])))
            } else {
                carry.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[unitStart..<end]))
                carry.withUnsafeBytes { body(.frame($0)) }
                carry.removeAll(keepingCapacity: true)
            }
        }
        func fail(_ kind: FramingError.Kind, at offset: Int) {
            body(.error(FramingError(kind, at: streamOffset + offset)))
        }

        while i < count {
            switch state {
            case .frameStart:
                let c = chunk[i]
                if ASCII.isFrameWhitespace(c) {
                    i += 1  // blank lines and stray trailers between frames
                } else if mode != .nonTransparent, c &- 0x31 < 9 {  // [1-9]
                    state = .length(value: ASCII.digitValue(c), digits: 1)
                    unitStart = i
                    i += 1
                } else if mode == .octetCounting {
                    fail(.badLength, at: i)
                    state = .resync(.seek(previousWasDigit: false))
                    i += 1
                } else {
                    state = .line(endsWithNUL: false)
                    unitStart = i
                }

            case .length(let value, let digits):
                let c = chunk[i]
                if ASCII.isDigit(c), digits < maxLengthDigits {
                    state = .length(value: value * 10 + ASCII.digitValue(c), digits: digits + 1)
                    i += 1
                } else if c == ASCII.space, value <= maxFrameSize {
                    state = .octetBody(remaining: value)
                    carry.removeAll(keepingCapacity: true)
                    i += 1
                    unitStart = i
                } else if mode == .detect, c == ASCII.space {
                    state = .oversizeHeader(value: value)
                    i += 1
                } else if mode == .detect {
                    state = .line(endsWithNUL: false)  // not a MSG-LEN after all: the digits are text
                } else {
                    fail(c == ASCII.space || ASCII.isDigit(c) ? .oversize : .missingSpace, at: i)
                    carry.removeAll(keepingCapacity: true)
                    state = .resync(.seek(previousWasDigit: ASCII.isDigit(c)))
                    i += 1
                }

            case .oversizeHeader(let value):
                if chunk[i] == ASCII.lessThan {
                    // A real octet-counted frame, larger than we accept: skip it by its length,
                    // as rsyslog does, so the frames after it are not lost.
                    fail(.oversize, at: i)
                    carry.removeAll(keepingCapacity: true)
                    state = .discardOctets(remaining: value)
                } else {
                    state = .line(endsWithNUL: false)
                }

            case .discardOctets(let remaining):
                let skipped = min(remaining, count - i)
                i += skipped
                state = remaining == skipped ? .frameStart : .discardOctets(remaining: remaining - skipped)

            case .octetBody(let remaining):
                let available = count - i
                if available >= remaining {
                    emit(upTo: i + remaining)
                    i += remaining
                    state = .frameStart
                } else {
                    state = .octetBody(remaining: remaining - available)
                    i = count
                }

            case .line(let endsWithNUL):
                if endsWithNUL {
                    // The previous chunk ended with a NUL (held back, not in the carry): a trailer
                    // if a new message starts here, else part of the line.
                    if chunk[i] == ASCII.lessThan {
                        carry.withUnsafeBytes { body(.frame($0)) }
                        carry.removeAll(keepingCapacity: true)
                        state = .frameStart
                        continue
                    }
                    carry.append(ASCII.nul)
                    state = .line(endsWithNUL: false)
                }
                let lf = Self.index(of: ASCII.lf, in: chunk, from: i, to: count) ?? count
                let frameEnd = Self.nulBeforeMessage(in: chunk, from: i, to: lf) ?? lf
                let length = carry.count + frameEnd - unitStart
                // Reported where the frame crossed the limit, whatever the chunking.
                let limitCrossedAt = unitStart - carry.count + maxFrameSize
                if frameEnd < count {
                    if length > maxFrameSize {
                        fail(.oversize, at: limitCrossedAt)
                        carry.removeAll(keepingCapacity: true)
                    } else {
                        emit(upTo: frameEnd)
                    }
                    i = frameEnd + 1
                    state = .frameStart
                } else if length - (chunk[count - 1] == ASCII.nul ? 1 : 0) > maxFrameSize {
                    // (A NUL at the chunk's end may be a trailer, not part of the frame.)
                    fail(.oversize, at: limitCrossedAt)
                    carry.removeAll(keepingCapacity: true)
                    state = .discardLine(afterNUL: chunk[count - 1] == ASCII.nul)
                    i = count
                } else {
                    state = .line(endsWithNUL: chunk[count - 1] == ASCII.nul)
                    i = count
                }

            case .discardLine(let afterNUL):
                // The frame ends where it would have ended had it fit, whatever the chunking.
                if afterNUL, chunk[i] == ASCII.lessThan {
                    state = .frameStart  // the NUL ended it; this `<` starts the next message
                    continue
                }
                let lf = Self.index(of: ASCII.lf, in: chunk, from: i, to: count) ?? count
                if let end = Self.nulBeforeMessage(in: chunk, from: i, to: lf) ?? (lf < count ? lf : nil) {
                    i = end + 1
                    state = .frameStart
                } else {
                    state = .discardLine(afterNUL: chunk[count - 1] == ASCII.nul)
                    i = count
                }

            case .resync(let resync):
                let c = chunk[i]
                switch resync {
                case .seek(let previousWasDigit):
                    if c &- 0x31 < 9, !previousWasDigit {
                        state = .resync(.digits(value: ASCII.digitValue(c), count: 1))
                    } else {
                        state = .resync(.seek(previousWasDigit: ASCII.isDigit(c)))
                    }
                    i += 1
                case .digits(let value, let digits):
                    if ASCII.isDigit(c) {
                        state = digits < maxLengthDigits
                            ? .resync(.digits(value: value * 10 + ASCII.digitValue(c), count: digits + 1))
                            : .resync(.seek(previousWasDigit: true))
                        i += 1
                    } else if c == ASCII.space {
                        state = .resync(.space(value: value))
                        i += 1
                    } else {
                        state = .resync(.seek(previousWasDigit: false))
                        i += 1
                    }
                case .space(let value):
                    if c == ASCII.lessThan, value <= maxFrameSize {
                        state = .octetBody(remaining: value)
                        carry.removeAll(keepingCapacity: true)
                        unitStart = i
                    } else {
                        state = .resync(.seek(previousWasDigit: false))  // look at this byte again
                    }
                }
            }
        }

        // Keep the unfinished unit's bytes for the next chunk.
        switch state {
        case .line(endsWithNUL: true):
            // Hold the final NUL back: it may be a trailer, and the carry stays within the limit.
            if unitStart < count - 1 {
                carry.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[unitStart..<(count - 1)]))
            }
        case .length, .oversizeHeader, .octetBody, .line:
            if unitStart < count {
                carry.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[unitStart..<count]))
            }
        case .frameStart, .discardLine, .discardOctets, .resync:
            break
        }
        streamOffset += count
    }

    /// The first NUL in `chunk[from..<lf]` that a `<` follows (a NUL trailer ends a frame when a
    /// new message starts after it), or `nil`. A NUL that is the chunk's last byte is decided by
    /// the next chunk.
    private static func nulBeforeMessage(in chunk: UnsafeRawBufferPointer, from: Int, to lf: Int) -> Int? {
        var searchFrom = from
        while let nul = index(of: ASCII.nul, in: chunk, from: searchFrom, to: lf) {
            if nul + 1 == chunk.count { return nil }
            if chunk[nul + 1] == ASCII.lessThan { return nul }
            searchFrom = nul + 1
        }
        return nil
    }

    /// The index of the first `byte` in `chunk[from..<to]` (libc's vectorised `memchr`).
    @inline(__always)
    private static func index(of byte: UInt8, in chunk: UnsafeRawBufferPointer, from: Int, to: Int) -> Int? {
        guard from < to, let base = chunk.baseAddress,
              let found = memchr(base + from, Int32(byte), to - from) else { return nil }
        return UnsafeRawPointer(found) - base
    }

    /// The stream has ended: delivers the frame in progress, if any — an LF frame needs no LF at
    /// the end of the stream, and an incomplete octet-counted frame is delivered as far as it came
    /// (counted in ``truncatedFrames``).
    public mutating func finish(_ body: (Event) -> Void) {
        switch state {
        case .line, .oversizeHeader:
            if !carry.isEmpty { carry.withUnsafeBytes { body(.frame($0)) } }
        case .length:
            if mode == .detect {
                carry.withUnsafeBytes { body(.frame($0)) }
            } else {
                body(.error(FramingError(.truncated, at: streamOffset)))
            }
        case .octetBody(let remaining):
            truncatedFrames += 1
            if !carry.isEmpty {
                let expected = carry.count + remaining
                carry.withUnsafeBytes { body(.truncatedFrame($0, expected: expected)) }
            }
        case .frameStart, .discardLine, .discardOctets, .resync:
            break
        }
        carry.removeAll(keepingCapacity: false)
        state = .frameStart
    }
}

/// A framing problem in a stream, at a stream offset.
public struct FramingError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        /// An octet-counted frame did not start with a MSG-LEN (`[1-9][0-9]*`).
        case badLength
        /// MSG-LEN not followed by SP.
        case missingSpace
        /// A frame longer than the maximum frame size.
        case oversize
        /// The stream ended inside a MSG-LEN.
        case truncated

        public var summary: String {
            switch self {
            case .badLength: "framing error: expected MSG-LEN"
            case .missingSpace: "framing error: expected SP after MSG-LEN"
            case .oversize: "framing error: frame too large"
            case .truncated: "framing error: stream ended inside MSG-LEN"
            }
        }
    }

    public var kind: Kind
    /// Byte offset in the stream.
    public var offset: Int

    public init(_ kind: Kind, at offset: Int) {
        self.kind = kind
        self.offset = offset
    }

    public var description: String { kind.summary }
}
