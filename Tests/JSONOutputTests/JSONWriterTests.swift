import JSONOutput
import Testing

/// The one JSON writer: separators, numbers, and strings from arbitrary bytes.
@Suite struct JSONWriterTests {
    @Test func commasSeparateValuesAtEveryLevel() {
        var out = JSONWriter()
        out.open()
        out.field("a", "x")
        out.key("b")
        out.open()
        out.field("c", 1.5)
        out.field("d", nil as String?)
        out.close()
        out.field("e", ["p", "q"])
        out.key("f")
        out.array([1, 2, 3]) { $0.integer($1) }
        out.key("g")
        out.array([[Int]]([[], [4]])) { out, inner in out.array(inner) { $0.integer($1) } }
        out.field("h", true)
        out.close()
        #expect(out.text == #"{"a":"x","b":{"c":1.5,"d":null},"e":["p","q"],"f":[1,2,3],"g":[[],[4]],"h":true}"#)
    }

    @Test func linesAreIndependentDocuments() {
        var out = JSONWriter()
        out.open(); out.field("n", 1); out.close(); out.endLine()
        out.open(); out.field("n", 2); out.close(); out.endLine()
        #expect(out.text == "{\"n\":1}\n{\"n\":2}\n")
    }

    @Test func rawTextOwesNoCommaAfterIt() {
        // The shape `vigil templates` writes: a hand-written prefix, a value, a cached fragment.
        var out = JSONWriter()
        out.raw(#"{"line":"#)
        out.integer(7)
        out.raw(#","template":"#)
        out.string("a <*>")
        out.raw(Array(#","service":"x"}"#.utf8))
        out.endLine()
        #expect(out.text == "{\"line\":7,\"template\":\"a <*>\",\"service\":\"x\"}\n")
    }

    @Test(arguments: [
        (0.0, "0"), (-3.0, "-3"), (1e15, "1000000000000000.0"), (1e16, "1e+16"), (0.25, "0.25"), (-0.1, "-0.1"),
        (Double.infinity, "null"), (-Double.infinity, "null"), (Double.nan, "null"),
    ])
    func numbersAreWholeWhenWholeAndNullWhenNotFinite(_ value: Double, _ text: String) {
        var out = JSONWriter()
        out.number(value)
        #expect(out.text == text)
    }

    @Test func integersOfEveryWidthAndSign() {
        var out = JSONWriter()
        out.array([Int64.min, -1, 0, 42, Int64.max]) { $0.integer($1) }
        out.integer(UInt64.max)
        #expect(out.text == "[-9223372036854775808,-1,0,42,9223372036854775807],18446744073709551615")
    }

    @Test func quotesBackslashesAndControlCharactersAreEscaped() {
        var out = JSONWriter()
        out.string("q\"b\\n\nr\rt\tb\u{08}f\u{0C}c\u{01}\u{1F}d\u{7F}")
        #expect(out.text == #""q\"b\\n\nr\rt\tb\bf\fc\u0001\u001fd"# + "\u{7F}\"")
    }

    @Test(arguments: [
        ([0x66, 0xFC, 0x72], "für"),                        // a Latin-1 byte
        ([0xCE, 0xBA, 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80], "κ€😀"),  // valid UTF-8, kept
        ([0xC0, 0x80], "À\u{80}"),                          // overlong: each byte as Latin-1
        ([0xED, 0xA0, 0x80], "í\u{A0}\u{80}"),              // a UTF-16 surrogate
        ([0xE2, 0x82], "â\u{82}"),                          // cut short at the end
        ([0xF4, 0x90, 0x80, 0x80], "ô\u{90}\u{80}\u{80}"),  // above U+10FFFF
    ] as [([UInt8], String)])
    func bytesThatAreNotUTF8AreReadAsLatin1(_ bytes: [UInt8], _ text: String) {
        var out = JSONWriter()
        bytes.withUnsafeBytes { out.string($0) }
        #expect(out.text == "\"" + text + "\"")
        #expect(String(validating: out.buffer, as: UTF8.self) != nil)
    }

    @Test func keysFromInputAreEscaped() {
        var out = JSONWriter()
        out.open()
        Array("a\"b".utf8).withUnsafeBytes { out.key($0) }
        out.integer(1)
        Array("c".utf8).withUnsafeBytes { out.key($0) }
        out.null()
        out.close()
        #expect(out.text == #"{"a\"b":1,"c":null}"#)
    }

    @Test func valueRenderedByTheCallerIsSeparatedLikeAnyOther() {
        var out = JSONWriter()
        out.openArray()
        out.value { $0.append(contentsOf: Array(#""pre""#.utf8)) }
        out.value { $0.append(contentsOf: Array("2".utf8)) }
        out.closeArray()
        #expect(out.text == #"["pre",2]"#)
    }

    @Test func removeAllStartsAfresh() {
        var out = JSONWriter()
        out.open(); out.field("x", 1); out.close()
        out.removeAll()
        out.integer(5)
        #expect(out.text == "5")
    }
}
