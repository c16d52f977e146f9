/// RFC 5424 §6, strictly:
/// `<PRI>VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP STRUCTURED-DATA [SP MSG]`.
extension SyslogParser {
    /// Header field limits from the ABNF (§6).
    enum RFC5424Limits {
        static let hostname = 255
        static let appName = 48
        static let procID = 128
        static let msgID = 32
    }

    func parseRFC5424(
        _ b: UnsafeRawBufferPointer, versionAt v: Int, versionLength: Int, end: Int, priority: Priority
    ) throws(SyslogParseError) -> SyslogMessage {
        var message = SyslogMessage(bytes: b, format: .rfc5424, priority: priority, priorityIsDefault: false)

        // VERSION = NONZERO-DIGIT 0*2DIGIT
        guard b[v] != ASCII.zero else { throw SyslogParseError(.badVersion, at: v, "must be 1-999") }
        var version = 0
        for k in v..<(v + versionLength) { version = version * 10 + ASCII.digitValue(b[k]) }
        message.version = version
        var i = v + versionLength
        try expectSpace(b, &i, end: end, .badTimestamp)

        // TIMESTAMP = NILVALUE / FULL-DATE "T" FULL-TIME
        guard i < end else { throw SyslogParseError(.badTimestamp, at: i, "missing") }
        if b[i] == ASCII.hyphen {
            i += 1
        } else {
            do throws(RFC3339.Failure) {
                message.timestamp = try RFC3339.parse(b, &i, end: end, strict: true, timeZone: timeZone)
            } catch {
                switch error {
                case .shape(let at): throw SyslogParseError(.badTimestamp, at: at, "expected RFC 3339 or -")
                case .range(let at, let why): throw SyslogParseError(.badTimestamp, at: at, why)
                }
            }
        }
        try expectSpace(b, &i, end: end, .badTimestamp)

        message.hostnameRange = try headerField(b, &i, end: end, max: RFC5424Limits.hostname, .badHostname)
        message.appNameRange = try headerField(b, &i, end: end, max: RFC5424Limits.appName, .badAppName)
        message.procIDRange = try headerField(b, &i, end: end, max: RFC5424Limits.procID, .badProcID)
        message.msgIDRange = try headerField(b, &i, end: end, max: RFC5424Limits.msgID, .badMsgID)

        message.structuredDataRange = try StructuredData.validate(b, &i, end: end)

        // [SP MSG]: exactly one SP separates STRUCTURED-DATA and MSG; further spaces are MSG.
        guard i < end else { return message }
        guard b[i] == ASCII.space else {
            throw SyslogParseError(.badMessageSeparator, at: i, "expected SP or end after structured data")
        }
        i += 1
        guard i < end else { return message }
        // MSG = MSG-ANY / MSG-UTF8; MSG-UTF8 = BOM UTF-8-STRING.
        if b.matches("\u{FEFF}", at: i, end: end) {
            i += 3
            if let bad = UTF8Validation.firstInvalidByte(b, from: i, end: end) {
                throw SyslogParseError(.invalidUTF8, at: bad, "MSG announced UTF-8 with a BOM")
            }
            guard i < end else { return message }
        }
        message.messageRange = ByteRange(start: i, end: end)
        return message
    }

    /// `SP`, or a typed error naming the field it should have ended.
    @inline(__always)
    private func expectSpace(
        _ b: UnsafeRawBufferPointer, _ i: inout Int, end: Int, _ kind: SyslogParseError.Kind
    ) throws(SyslogParseError) {
        guard i < end, b[i] == ASCII.space else {
            throw SyslogParseError(kind, at: i, i < end ? "expected SP" : "unexpected end of message")
        }
        i += 1
    }

    /// `NILVALUE / 1*max PRINTUSASCII`, then SP. NILVALUE gives ``ByteRange/absent``.
    @inline(__always)
    private func headerField(
        _ b: UnsafeRawBufferPointer, _ i: inout Int, end: Int, max: Int, _ kind: SyslogParseError.Kind
    ) throws(SyslogParseError) -> ByteRange {
        let s = i
        let limit = Swift.min(end, s + max)
        while i < limit, ASCII.isPrintUSASCII(b[i]) { i += 1 }
        guard i > s else { throw SyslogParseError(kind, at: s, i < end ? "empty or non-ASCII" : "unexpected end of message") }
        guard i < end else { throw SyslogParseError(kind, at: i, "unexpected end of message") }
        guard b[i] == ASCII.space else {
            throw SyslogParseError(kind, at: i, i == limit && ASCII.isPrintUSASCII(b[i]) ? "too long" : "not PRINTUSASCII")
        }
        let range = (i - s == 1 && b[s] == ASCII.hyphen) ? ByteRange.absent : ByteRange(start: s, end: i)
        i += 1
        return range
    }
}
