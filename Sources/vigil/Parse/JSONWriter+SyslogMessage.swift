import JSONOutput
import Syslog

/// A parsed message as one JSON line — the record `vigil parse` prints and `vigil serve --tap`
/// writes — straight into the writer's bytes, so printing costs less than parsing.
///
/// One object per message with exactly the keys `format`, `pri`, `facility`, `severity`,
/// `version`, `timestamp`, `hostname`, `app_name`, `procid`, `msgid`, `structured_data`, `msg`,
/// `service` (absent or NILVALUE as `null`); one `{"error":…,"offset":…}` per invalid message.
///
/// `structured_data` is RFC 5424's STRUCTURED-DATA, `{"id":{"param":"value","repeated":["a","b"]}}`;
/// for an RFC 3164 message it carries the header part RFC 3164 has no field for: macOS's
/// `TAG[PID] (SUBSYSTEM):` as `{"origin":{"subsystem":"…"}}` (`null` when there is none).
extension JSONWriter {
    /// One message; `extra` keys (e.g. the receiver's `transport`, `peer`) go after `service`.
    mutating func write(_ m: SyslogMessage, extra: [(key: StaticString, value: String)] = []) {
        open()
        field("format", m.format == .rfc5424 ? "rfc5424" : "rfc3164")
        field("pri", Int(m.priority.value))
        field("facility", m.priority.facility)
        field("severity", m.priority.severity)
        field("version", m.version)
        key("timestamp")
        if let timestamp = m.timestamp {
            value { buffer in
                buffer.append(UInt8(ascii: "\""))
                timestamp.appendRFC3339UTC(to: &buffer)
                buffer.append(UInt8(ascii: "\""))
            }
        } else {
            null()
        }
        field("hostname", bytes: m.view(m.hostnameRange))
        field("app_name", bytes: m.view(m.appNameRange))
        field("procid", bytes: m.view(m.procIDRange))
        field("msgid", bytes: m.view(m.msgIDRange))
        key("structured_data")
        if let sd = m.structuredData {
            structuredData(sd)
        } else if let subsystem = m.view(m.subsystemRange) {
            open()
            key("origin")
            open()
            field("subsystem", bytes: subsystem)
            close()
            close()
        } else {
            null()
        }
        field("msg", bytes: m.view(m.messageRange))
        field("service", bytes: m.view(m.serviceRange))
        closeLine(extra)
    }

    /// `{"error":…,"offset":…}`, with the unparsable bytes as `"raw"` when given (the receiver's tap).
    mutating func write(
        error reason: String, offset: Int, raw message: UnsafeRawBufferPointer? = nil,
        extra: [(key: StaticString, value: String)] = []
    ) {
        open()
        field("error", reason)
        field("offset", offset)
        if let message { field("raw", bytes: message) }
        closeLine(extra)
    }

    /// The `extra` keys, `}` and the line's end.
    private mutating func closeLine(_ extra: [(key: StaticString, value: String)]) {
        for (name, value) in extra { field(name, value) }
        close()
        endLine()
    }

    /// `{"id":{"param":"value","repeated":["a","b"]}}`, parameters in order of first appearance.
    private mutating func structuredData(_ sd: StructuredData) {
        open()
        for element in sd {
            key(element.id)
            open()
            let parameters = Array(element.parameters)
            for (index, parameter) in parameters.enumerated() {
                // A repeated PARAM-NAME was written, with all its values, at its first appearance.
                if parameters[..<index].contains(where: { $0.name.elementsEqual(parameter.name) }) { continue }
                key(parameter.name)
                let values = parameters[index...].filter { $0.name.elementsEqual(parameter.name) }
                if values.count == 1 {
                    unescapedValue(parameter)
                } else {
                    array(values) { $0.unescapedValue($1) }
                }
            }
            close()
        }
        close()
    }

    private mutating func unescapedValue(_ parameter: StructuredData.Parameter) {
        parameter.unescapedValue().withUnsafeBytes { string($0) }
    }
}
