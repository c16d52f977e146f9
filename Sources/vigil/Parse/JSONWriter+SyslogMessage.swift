import Syslog

/// Renders parse results as JSON lines straight into a byte buffer — no `Codable`, no
/// intermediate `String`s — so `vigil parse` is bounded by parsing, not by printing.
///
/// One object per message with exactly the keys `format`, `pri`, `facility`, `severity`,
/// `version`, `timestamp`, `hostname`, `app_name`, `procid`, `msgid`, `structured_data`, `msg`,
/// `service` (absent or NILVALUE as `null`); one `{"error":…,"offset":…}` per invalid message.
struct JSONLinesWriter {
    private(set) var buffer: [UInt8] = []

    init(capacity: Int = 1 << 20) {
        buffer.reserveCapacity(capacity)
    }

    mutating func removeAll() {
        buffer.removeAll(keepingCapacity: true)
    }

    /// One message; `extra` keys (e.g. the receiver's `transport`, `peer`) go after `service`.
    mutating func write(_ m: SyslogMessage, extra: [(key: StaticString, value: String)] = []) {
        raw(#"{"format":"#)
        raw(m.format == .rfc5424 ? #""rfc5424""# : #""rfc3164""#)
        raw(#","pri":"#)
        integer(Int(m.priority.value))
        raw(#","facility":"#)
        integer(m.priority.facility)
        raw(#","severity":"#)
        integer(m.priority.severity)
        raw(#","version":"#)
        if let version = m.version { integer(version) } else { raw("null") }
        raw(#","timestamp":"#)
        if let timestamp = m.timestamp {
            buffer.append(UInt8(ascii: "\""))
            timestamp.appendRFC3339UTC(to: &buffer)
            buffer.append(UInt8(ascii: "\""))
        } else {
            raw("null")
        }
        raw(#","hostname":"#)
        field(m.view(m.hostnameRange))
        raw(#","app_name":"#)
        field(m.view(m.appNameRange))
        raw(#","procid":"#)
        field(m.view(m.procIDRange))
        raw(#","msgid":"#)
        field(m.view(m.msgIDRange))
        raw(#","structured_data":"#)
        if let sd = m.structuredData { structuredData(sd) } else { raw("null") }
        raw(#","msg":"#)
        field(m.view(m.messageRange))
        raw(#","service":"#)
        field(m.view(m.serviceRange))
        close(extra)
    }

    /// `{"error":…,"offset":…}`, with the unparsable bytes as `"raw"` when given (the receiver's tap).
    mutating func write(
        error reason: String, offset: Int, raw message: UnsafeRawBufferPointer? = nil,
        extra: [(key: StaticString, value: String)] = []
    ) {
        raw(#"{"error":"#)
        string(reason)
        raw(#","offset":"#)
        integer(offset)
        if let message {
            raw(#","raw":"#)
            string(message)
        }
        close(extra)
    }

    /// `,"key":"value"…}` and the line's end.
    private mutating func close(_ extra: [(key: StaticString, value: String)]) {
        for (key, value) in extra {
            raw(",\"")
            raw(key)
            raw("\":")
            string(value)
        }
        raw("}\n")
    }

    /// `{"id":{"param":"value","repeated":["a","b"]}}`, parameters in order of first appearance.
    private mutating func structuredData(_ sd: StructuredData) {
        buffer.append(UInt8(ascii: "{"))
        var firstElement = true
        for element in sd {
            if !firstElement { buffer.append(UInt8(ascii: ",")) }
            firstElement = false
            string(element.id)
            raw(":{")
            let parameters = Array(element.parameters)
            var firstParameter = true
            for (index, parameter) in parameters.enumerated() {
                // A repeated PARAM-NAME was written, with all its values, at its first appearance.
                if parameters[..<index].contains(where: { $0.name.elementsEqual(parameter.name) }) { continue }
                if !firstParameter { buffer.append(UInt8(ascii: ",")) }
                firstParameter = false
                string(parameter.name)
                buffer.append(UInt8(ascii: ":"))
                let values = parameters[index...].filter { $0.name.elementsEqual(parameter.name) }
                if values.count == 1 {
                    unescapedValue(parameter)
                } else {
                    buffer.append(UInt8(ascii: "["))
                    for (k, value) in values.enumerated() {
                        if k > 0 { buffer.append(UInt8(ascii: ",")) }
                        unescapedValue(value)
                    }
                    buffer.append(UInt8(ascii: "]"))
                }
            }
            buffer.append(UInt8(ascii: "}"))
        }
        buffer.append(UInt8(ascii: "}"))
    }

    private mutating func unescapedValue(_ parameter: StructuredData.Parameter) {
        parameter.unescapedValue().withUnsafeBytes { string($0) }
    }

    private mutating func field(_ bytes: UnsafeRawBufferPointer?) {
        if let bytes { string(bytes) } else { raw("null") }
    }

    /// Bytes already rendered as JSON (a cached fragment of a line).
    mutating func raw(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
    }

    @inline(__always)
    mutating func raw(_ text: StaticString) {
        buffer.append(contentsOf: UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    mutating func integer(_ value: Int) {
        if value < 0 { buffer.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        let start = buffer.count
        repeat {
            buffer.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        buffer[start...].reverse()
    }

    private mutating func string(_ text: String) {
        var text = text
        text.withUTF8 { string(UnsafeRawBufferPointer($0)) }
    }

    /// A JSON string from arbitrary bytes. Valid UTF-8 is kept as is; a byte that is not part of
    /// a well-formed sequence is read as ISO 8859-1 (what such bytes usually are in syslog:
    /// Latin-1 text from older devices), so the output is always valid UTF-8 and no byte is lost.
    mutating func string(_ b: UnsafeRawBufferPointer) {
        buffer.append(UInt8(ascii: "\""))
        var i = 0
        let end = b.count
        while i < end {
            let c = b[i]
            if c >= 0x20, c < 0x80, c != UInt8(ascii: "\""), c != UInt8(ascii: "\\") {
                // Copy the longest run of plain ASCII at once.
                var k = i + 1
                while k < end, b[k] >= 0x20, b[k] < 0x80, b[k] != UInt8(ascii: "\""), b[k] != UInt8(ascii: "\\") { k += 1 }
                buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: b[i..<k]))
                i = k
                continue
            }
            switch c {
            case UInt8(ascii: "\""): raw(#"\""#)
            case UInt8(ascii: "\\"): raw(#"\\"#)
            case 0x0A: raw(#"\n"#)
            case 0x0D: raw(#"\r"#)
            case 0x09: raw(#"\t"#)
            case 0x08: raw(#"\b"#)
            case 0x0C: raw(#"\f"#)
            case 0..<0x20:
                raw(#"\u00"#)
                buffer.append(Self.hex[Int(c >> 4)])
                buffer.append(Self.hex[Int(c & 0xF)])
            default:
                let length = UTF8Validation.sequenceLength(b, at: i, end: end)
                if length > 0 {
                    buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: b[i..<(i + length)]))
                    i += length
                    continue
                }
                buffer.append(0xC0 | (c >> 6))
                buffer.append(0x80 | (c & 0x3F))
            }
            i += 1
        }
        buffer.append(UInt8(ascii: "\""))
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)
}
