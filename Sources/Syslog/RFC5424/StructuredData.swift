/// RFC 5424 STRUCTURED-DATA (§6.3): `1*SD-ELEMENT`, each `"[" SD-ID *(SP PARAM-NAME "=" DQUOTE PARAM-VALUE DQUOTE) "]"`.
///
/// Validated once while parsing (``validate(_:_:end:)``), then walked lazily and without copying
/// when a caller wants the elements — most consumers only count messages and never look.
public struct StructuredData: Sequence {
    /// The validated section, from the first `[` to the last `]`.
    public let bytes: UnsafeRawBufferPointer

    init(validated bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// `[exampleSDID@32473 iut="3" eventSource="Application"]`.
    public struct Element {
        /// SD-ID, e.g. `exampleSDID@32473`.
        public let id: UnsafeRawBufferPointer
        /// The element's parameters in order; a PARAM-NAME may repeat.
        public let parameters: Parameters
    }

    public struct Parameter {
        public let name: UnsafeRawBufferPointer
        /// PARAM-VALUE as sent, escapes included.
        public let escapedValue: UnsafeRawBufferPointer

        /// PARAM-VALUE with `\"`, `\\` and `\]` unescaped; any other backslash is kept, as §6.3.3 requires.
        public var value: String { String(decoding: unescapedValue(), as: UTF8.self) }

        public func unescapedValue() -> [UInt8] {
            var out = [UInt8]()
            out.reserveCapacity(escapedValue.count)
            var k = 0
            let v = escapedValue
            while k < v.count {
                let c = v[k]
                if c == ASCII.backslash, k + 1 < v.count {
                    let next = v[k + 1]
                    if next == ASCII.quote || next == ASCII.backslash || next == ASCII.closeBracket {
                        out.append(next)
                        k += 2
                        continue
                    }
                }
                out.append(c)
                k += 1
            }
            return out
        }
    }

    public struct Parameters: Sequence {
        /// The bytes between the SD-ID and the closing `]`.
        let bytes: UnsafeRawBufferPointer

        public func makeIterator() -> Iterator { Iterator(bytes: bytes) }

        public struct Iterator: IteratorProtocol {
            let bytes: UnsafeRawBufferPointer
            var position = 0

            public mutating func next() -> Parameter? {
                let b = bytes
                // SP PARAM-NAME "=" DQUOTE PARAM-VALUE DQUOTE
                guard position < b.count, b[position] == ASCII.space else { return nil }
                let nameStart = position + 1
                var k = nameStart
                while k < b.count, b[k] != ASCII.equals { k += 1 }
                guard k + 1 < b.count, b[k + 1] == ASCII.quote else { position = b.count; return nil }
                let name = UnsafeRawBufferPointer(rebasing: b[nameStart..<k])
                let valueStart = k + 2
                let valueEnd = StructuredData.closingQuote(b, from: valueStart)
                position = Swift.min(valueEnd + 1, b.count)
                return Parameter(name: name, escapedValue: UnsafeRawBufferPointer(rebasing: b[valueStart..<valueEnd]))
            }
        }
    }

    public func makeIterator() -> Iterator { Iterator(bytes: bytes) }

    public struct Iterator: IteratorProtocol {
        let bytes: UnsafeRawBufferPointer
        var position = 0

        public mutating func next() -> Element? {
            let b = bytes
            guard position < b.count, b[position] == ASCII.openBracket else { return nil }
            let idStart = position + 1
            var k = idStart
            while k < b.count, b[k] != ASCII.space, b[k] != ASCII.closeBracket { k += 1 }
            let id = UnsafeRawBufferPointer(rebasing: b[idStart..<k])
            let paramsStart = k
            // Skip parameters up to the closing bracket outside any value.
            while k < b.count, b[k] != ASCII.closeBracket {
                k = b[k] == ASCII.quote ? StructuredData.closingQuote(b, from: k + 1) + 1 : k + 1
            }
            let paramsEnd = Swift.min(k, b.count)
            position = Swift.min(k + 1, b.count)
            return Element(id: id, parameters: Parameters(bytes: UnsafeRawBufferPointer(rebasing: b[paramsStart..<paramsEnd])))
        }
    }
}

extension StructuredData {
    /// The index of the `"` that closes a PARAM-VALUE starting at `from` (escapes skipped), or
    /// `b.count` when there is none.
    static func closingQuote(_ b: UnsafeRawBufferPointer, from: Int) -> Int {
        var k = from
        while k < b.count, b[k] != ASCII.quote {
            k += b[k] == ASCII.backslash ? 2 : 1
        }
        return Swift.min(k, b.count)
    }

    /// SD-ID and PARAM-NAME: 1 to 32 SD-NAME characters.
    static let maxNameLength = 32

    /// Checks STRUCTURED-DATA at `i` against the grammar; on success `i` is just past it.
    /// Returns ``ByteRange/absent`` for NILVALUE.
    static func validate(_ b: UnsafeRawBufferPointer, _ i: inout Int, end: Int) throws(SyslogParseError) -> ByteRange {
        guard i < end else {
            throw SyslogParseError(.badStructuredData, at: i, "missing (expected [ or -)")
        }
        if b[i] == ASCII.hyphen {
            i += 1
            return .absent
        }
        guard b[i] == ASCII.openBracket else {
            throw SyslogParseError(.badStructuredData, at: i, "expected [ or -")
        }
        let start = i
        while i < end, b[i] == ASCII.openBracket {
            let elementStart = i
            i += 1
            let id = try name(b, &i, end: end, "SD-ID must be 1-32 SD-NAME characters")
            if elementStart > start, containsID(b, id, before: elementStart, from: start) {
                throw SyslogParseError(.duplicateStructuredDataID, at: id.start, "an SD-ID may appear once")
            }
            while true {
                guard i < end else {
                    throw SyslogParseError(.unterminatedStructuredData, at: i, "missing ]")
                }
                if b[i] == ASCII.closeBracket {
                    i += 1
                    break
                }
                guard b[i] == ASCII.space else {
                    throw SyslogParseError(.badStructuredData, at: i, "expected SP or ]")
                }
                i += 1
                _ = try name(b, &i, end: end, "PARAM-NAME must be 1-32 SD-NAME characters")
                guard i < end, b[i] == ASCII.equals else {
                    throw SyslogParseError(i < end ? .badStructuredData : .unterminatedStructuredData, at: i, "expected =")
                }
                i += 1
                guard i < end, b[i] == ASCII.quote else {
                    throw SyslogParseError(i < end ? .badStructuredData : .unterminatedStructuredData, at: i, "expected \"")
                }
                i += 1
                // PARAM-VALUE: `"`, `\` and `]` must be escaped; any other escape is kept as is.
                while true {
                    guard i < end else {
                        throw SyslogParseError(.unterminatedStructuredData, at: i, "missing closing \"")
                    }
                    let c = b[i]
                    if c == ASCII.quote { i += 1; break }
                    if c == ASCII.backslash {
                        i += i + 1 < end ? 2 : 1
                        continue
                    }
                    if c == ASCII.closeBracket {
                        throw SyslogParseError(.badStructuredData, at: i, "unescaped ] in PARAM-VALUE")
                    }
                    i += 1
                }
            }
        }
        return ByteRange(start: start, end: i)
    }

    /// SD-NAME run at `i`, 1…32 bytes; `i` is left on the byte after it.
    @inline(__always)
    private static func name(
        _ b: UnsafeRawBufferPointer, _ i: inout Int, end: Int, _ why: StaticString
    ) throws(SyslogParseError) -> ByteRange {
        let s = i
        while i < end, ASCII.isSDNameChar(b[i]) { i += 1 }
        guard i > s, i - s <= maxNameLength else {
            throw SyslogParseError(i < end ? .badStructuredData : .unterminatedStructuredData, at: i > s ? s + maxNameLength : i, why)
        }
        guard i < end else { throw SyslogParseError(.unterminatedStructuredData, at: i, "missing ]") }
        return ByteRange(start: s, end: i)
    }

    /// Whether an element in `b[start..<elementStart]` (already validated) has the SD-ID at `id`.
    private static func containsID(_ b: UnsafeRawBufferPointer, _ id: ByteRange, before elementStart: Int, from start: Int) -> Bool {
        let wanted = UnsafeRawBufferPointer(rebasing: b[id.start..<id.end])
        for element in StructuredData(validated: UnsafeRawBufferPointer(rebasing: b[start..<elementStart]))
        where element.id.count == wanted.count && element.id.elementsEqual(wanted) {
            return true
        }
        return false
    }
}
