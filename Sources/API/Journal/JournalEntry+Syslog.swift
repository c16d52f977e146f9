import Syslog

extension JournalEntry {
    /// The entry as an RFC 5424 frame, so it travels the syslog path (parser, shards, counters):
    /// `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID - - MSG`, where
    /// - PRI = `SYSLOG_FACILITY` (default 1, user, as rsyslog's imjournal) × 8 + `PRIORITY`
    ///   (default 6, info — what journald records for a service's plain output);
    /// - TIMESTAMP = `__REALTIME_TIMESTAMP` (µs since the epoch), else the NILVALUE;
    /// - HOSTNAME = `_HOSTNAME`; APP-NAME (the service) = `SYSLOG_IDENTIFIER`, else `_COMM`;
    ///   PROCID = `SYSLOG_PID`, else `_PID` — each reduced to the printable ASCII RFC 5424
    ///   allows there (other bytes become `_`) and cut to its length limit;
    /// - MSG = `MESSAGE`'s bytes as they are (text or binary).
    func syslogFrame() -> [UInt8] {
        let severity = Self.number(priority, in: 0...7) ?? 6
        let facility = Self.number(facility, in: 0...23) ?? 1
        var frame = Array("<\(facility * 8 + severity)>1 ".utf8)
        if let micros = realtime.flatMap({ Int64(String(decoding: $0, as: UTF8.self)) }), micros >= 0 {
            let timestamp = SyslogTimestamp(nanosecondsSinceEpoch: micros * 1000, utcOffsetSeconds: 0, hasExplicitOffset: true)
            frame += Array(timestamp.rfc3339UTC.utf8)
        } else {
            frame.append(UInt8(ascii: "-"))
        }
        for (value, limit) in [(hostname, 255), (identifier ?? command, 48), (syslogPID ?? pid, 128)] {
            frame.append(UInt8(ascii: " "))
            frame += Self.headerField(value, limit: limit)
        }
        frame += Array(" - -".utf8)
        if let message, !message.isEmpty {
            frame.append(UInt8(ascii: " "))
            frame += message
        }
        return frame
    }

    private static func number(_ value: [UInt8]?, in range: ClosedRange<Int>) -> Int? {
        guard let value, let number = Int(String(decoding: value, as: UTF8.self)), range.contains(number) else { return nil }
        return number
    }

    /// PRINTUSASCII (33–126), at most `limit` bytes; the NILVALUE when absent or empty.
    private static func headerField(_ value: [UInt8]?, limit: Int) -> [UInt8] {
        guard let value, !value.isEmpty else { return [UInt8(ascii: "-")] }
        return value.prefix(limit).map { (33...126).contains($0) ? $0 : UInt8(ascii: "_") }
    }
}
