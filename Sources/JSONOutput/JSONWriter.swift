/// Writes JSON straight into a byte buffer — no `Codable`, no Foundation, no intermediate
/// `String` per value — so the same code serves the parser's JSON lines (millions a second) and
/// the alert objects of the dependency-free Detect module.
///
/// Values (`string`, `integer`, `number`, `null`, `value`) and structure (`open`, `close`,
/// `openArray`, `closeArray`, `key`, `field`) place the commas between themselves. ``raw(_:)-(StaticString)``
/// appends JSON text the caller wrote by hand (a cached fragment, `{"line":`); after it no comma is
/// owed, so a hand-written prefix ending in `:` or `,` is followed by a value as expected.
///
/// Strings are written from bytes: valid UTF-8 is kept as is, and a byte that is not part of a
/// well-formed sequence is read as ISO 8859-1 (what such bytes usually are in syslog: Latin-1
/// text from older devices). The output is therefore always valid UTF-8 and no byte is lost.
///
/// The writing methods are `@inlinable`: they run per field of every message `vigil parse` prints,
/// from other modules, where a call per byte-sized step would cost more than the step.
public struct JSONWriter: Sendable {
    /// The JSON written so far.
    @inlinable public var buffer: [UInt8] { storage }

    @usableFromInline var storage: [UInt8] = []
    /// A value was just completed at this level: the next value or key needs a comma first.
    @usableFromInline var needsComma = false

    public init(capacity: Int = 256) {
        storage.reserveCapacity(capacity)
    }

    /// The JSON written so far, as a `String`.
    public var text: String { String(decoding: storage, as: UTF8.self) }

    /// Forgets what was written, keeping the capacity.
    @inlinable
    public mutating func removeAll() {
        storage.removeAll(keepingCapacity: true)
        needsComma = false
    }

    // MARK: Structure

    /// `{` — an object as the next value.
    @inlinable
    public mutating func open() {
        separate()
        storage.append(UInt8(ascii: "{"))
    }

    /// `}`.
    @inlinable
    public mutating func close() {
        storage.append(UInt8(ascii: "}"))
        needsComma = true
    }

    /// `[` — an array as the next value.
    @inlinable
    public mutating func openArray() {
        separate()
        storage.append(UInt8(ascii: "["))
    }

    /// `]`.
    @inlinable
    public mutating func closeArray() {
        storage.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// `"name":` — `name` is written as is: a key known at compile time needs no escaping.
    @inlinable
    public mutating func key(_ name: StaticString) {
        separate()
        storage.append(UInt8(ascii: "\""))
        append(name)
        storage.append(UInt8(ascii: "\""))
        storage.append(UInt8(ascii: ":"))
    }

    /// `"name":` for a key from input (an SD-PARAM name, a service): escaped like any string.
    @inlinable
    public mutating func key(_ name: UnsafeRawBufferPointer) {
        string(name)
        storage.append(UInt8(ascii: ":"))
        needsComma = false
    }

    /// Ends one JSON line (`\n`); the next value starts a new document.
    @inlinable
    public mutating func endLine() {
        storage.append(UInt8(ascii: "\n"))
        needsComma = false
    }

    /// JSON text written by hand, appended as is; no comma is owed after it.
    @inlinable
    public mutating func raw(_ text: StaticString) {
        append(text)
        needsComma = false
    }

    /// JSON text rendered earlier (a cached fragment), appended as is; no comma is owed after it.
    @inlinable
    public mutating func raw(_ bytes: [UInt8]) {
        storage.append(contentsOf: bytes)
        needsComma = false
    }

    // MARK: Values

    @inlinable
    public mutating func null() {
        separate()
        append("null")
        needsComma = true
    }

    @inlinable
    public mutating func bool(_ value: Bool) {
        separate()
        append(value ? "true" : "false")
        needsComma = true
    }

    @inlinable
    public mutating func integer(_ value: Int) {
        integer(Int64(value))
    }

    @inlinable
    public mutating func integer(_ value: Int64) {
        separate()
        if value < 0 { storage.append(UInt8(ascii: "-")) }
        digits(value.magnitude)
        needsComma = true
    }

    @inlinable
    public mutating func integer(_ value: UInt64) {
        separate()
        digits(value)
        needsComma = true
    }

    /// A number: whole values without a fraction, others in Swift's shortest round-trip form.
    /// JSON has no infinity or NaN: those become `null`.
    @inlinable
    public mutating func number(_ value: Double) {
        guard value.isFinite else { return null() }
        if value == value.rounded(), abs(value) < 1e15 { return integer(Int64(value)) }
        separate()
        var text = String(value)
        text.withUTF8 { storage.append(contentsOf: $0) }
        needsComma = true
    }

    @inlinable
    public mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { string(UnsafeRawBufferPointer($0)) }
    }

    /// A string from arbitrary bytes, escaped; bytes that are not UTF-8 are read as ISO 8859-1.
    @inlinable
    public mutating func string(_ b: UnsafeRawBufferPointer) {
        separate()
        storage.append(UInt8(ascii: "\""))
        var i = 0
        let end = b.count
        while i < end {
            let c = b[i]
            if Self.isPlain(c) {
                // Copy the longest run of plain ASCII at once.
                var k = i + 1
                while k < end, Self.isPlain(b[k]) { k += 1 }
                storage.append(contentsOf: UnsafeRawBufferPointer(rebasing: b[i..<k]))
                i = k
                continue
            }
            switch c {
            case UInt8(ascii: "\""): append(#"\""#)
            case UInt8(ascii: "\\"): append(#"\\"#)
            case 0x0A: append(#"\n"#)
            case 0x0D: append(#"\r"#)
            case 0x09: append(#"\t"#)
            case 0x08: append(#"\b"#)
            case 0x0C: append(#"\f"#)
            case 0..<0x20:
                append(#"\u00"#)
                storage.append(Self.hexDigits[Int(c >> 4)])
                storage.append(Self.hexDigits[Int(c & 0xF)])
            default:
                let length = Self.utf8SequenceLength(b, at: i)
                if length > 0 {
                    storage.append(contentsOf: UnsafeRawBufferPointer(rebasing: b[i..<(i + length)]))
                    i += length
                    continue
                }
                storage.append(0xC0 | (c >> 6))  // U+0080…U+00FF, two bytes
                storage.append(0x80 | (c & 0x3F))
            }
            i += 1
        }
        storage.append(UInt8(ascii: "\""))
        needsComma = true
    }

    /// A value the caller renders itself into the buffer (already valid JSON, e.g. a quoted
    /// timestamp); commas are placed around it as for any value.
    @inlinable
    public mutating func value(_ render: (inout [UInt8]) -> Void) {
        separate()
        render(&storage)
        needsComma = true
    }

    // MARK: Fields (key and value)

    @inlinable
    public mutating func field(_ name: StaticString, _ value: String?) {
        key(name)
        if let value { string(value) } else { null() }
    }

    @inlinable
    public mutating func field(_ name: StaticString, bytes value: UnsafeRawBufferPointer?) {
        key(name)
        if let value { string(value) } else { null() }
    }

    @inlinable
    public mutating func field(_ name: StaticString, _ value: Double?) {
        key(name)
        if let value { number(value) } else { null() }
    }

    @inlinable
    public mutating func field(_ name: StaticString, _ value: Int?) {
        key(name)
        if let value { integer(value) } else { null() }
    }

    @inlinable
    public mutating func field(_ name: StaticString, _ value: Int64?) {
        key(name)
        if let value { integer(value) } else { null() }
    }

    @inlinable
    public mutating func field(_ name: StaticString, _ value: Bool?) {
        key(name)
        if let value { bool(value) } else { null() }
    }

    @inlinable
    public mutating func field(_ name: StaticString, _ values: [String]) {
        key(name)
        array(values) { $0.string($1) }
    }

    /// `[…]` with `write` called once per element (each element a value, commas placed).
    @inlinable
    public mutating func array<Elements: Sequence>(_ elements: Elements, _ write: (inout JSONWriter, Elements.Element) -> Void) {
        openArray()
        for element in elements { write(&self, element) }
        closeArray()
    }

    // MARK: Internals

    /// The decimal digits of `value`.
    @inlinable
    mutating func digits(_ value: UInt64) {
        var magnitude = value
        let start = storage.count
        repeat {
            storage.append(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        storage[start...].reverse()
    }

    @inlinable @inline(__always)
    mutating func separate() {
        if needsComma { storage.append(UInt8(ascii: ",")) }
        needsComma = false
    }

    @inlinable @inline(__always)
    mutating func append(_ text: StaticString) {
        storage.append(contentsOf: UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Printable ASCII that needs no escape.
    @inlinable @inline(__always)
    static func isPlain(_ c: UInt8) -> Bool {
        c >= 0x20 && c < 0x80 && c != UInt8(ascii: "\"") && c != UInt8(ascii: "\\")
    }

    /// The length of the well-formed UTF-8 sequence at `i` (RFC 3629: no overlongs, surrogates or
    /// values above U+10FFFF), or 0 — decided by the standard library's own decoder.
    @usableFromInline
    static func utf8SequenceLength(_ b: UnsafeRawBufferPointer, at i: Int) -> Int {
        var bytes = UnsafeRawBufferPointer(rebasing: b[i..<min(b.count, i + 4)]).makeIterator()
        var decoder = Unicode.UTF8.ForwardParser()
        if case .valid(let sequence) = decoder.parseScalar(from: &bytes) { return sequence.count }
        return 0
    }

    @usableFromInline
    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}
