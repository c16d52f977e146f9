/// RFC 3164, leniently, as devices really send it:
///
/// ```
/// [<PRI>] [SP] [SEQ ": "] [*|.] [TIMESTAMP[:]] [HOSTNAME [" :"]] [TAG["[" PID "]"][:]] [SP] CONTENT
/// ```
/// - TIMESTAMP: `Mmm dd hh:mm:ss` (space-padded or single-digit day, any letter case), optionally
///   with a year (`Mmm dd yyyy hh:mm:ss`), milliseconds, a Cisco time-zone name; or ISO 8601.
/// - SEQ: Cisco IOS sequence numbers (`<189>123: *Mar  1 18:46:11.123: %SYS-5-CONFIG_I: …`).
/// - HOSTNAME is taken only after a timestamp (as rsyslog does), and only when the word is not
///   itself a TAG (`haproxy[73411]:`, `%ASA-4-106023:`): many devices omit it.
/// - TAG ends with `:` or `[PID]`; a word without either is CONTENT.
/// - A program name with spaces (macOS: `Microsoft Word[1234]:`, `BezelServices 255.10[94]:`) is a
///   TAG only when it follows a HOSTNAME, is at most 48 bytes, and ends directly in `[digits]:`.
/// - macOS's `TAG[PID] (SUBSYSTEM): MSG`: the parenthesised part (balanced, e.g. a launchd job
///   `(com.apple.quicklook.ThumbnailsAgent[845])`) is header, kept in ``SyslogMessage/subsystemRange``.
///
/// It never fails: whatever is not recognised as header is CONTENT.
extension SyslogParser {
    /// Longest TAG accepted (RFC 3164 says 32; rsyslog keeps longer ones, so do we, up to this).
    static let maxTagLength = 128
    /// Longest PID inside `[...]`.
    static let maxProcIDLength = 128
    /// Longest program name with spaces (`Microsoft Word`): beyond this, words are MSG.
    static let maxSpacedTagLength = 48
    /// Longest `(SUBSYSTEM)` after `TAG[PID]`, parentheses included.
    static let maxSubsystemLength = 256

    func parseRFC3164(
        _ b: UnsafeRawBufferPointer, from start: Int, end: Int, priority: Priority, priorityIsDefault: Bool
    ) -> SyslogMessage {
        var message = SyslogMessage(bytes: b, format: .rfc3164, priority: priority, priorityIsDefault: priorityIsDefault)
        var i = start
        skipSpaces(b, &i, end: end)

        // Cisco sequence number: DIGITS ":" SP (IOS), or an empty one (NX-OS: "<189>: 2013 Jan 25 …").
        var sawCiscoPrefix = false
        do {
            var k = i
            while k < end, ASCII.isDigit(b[k]), k - i < 20 { k += 1 }
            if k + 1 < end, b[k] == ASCII.colon, b[k + 1] == ASCII.space {
                i = k + 2
                skipSpaces(b, &i, end: end)
                sawCiscoPrefix = true
            }
        }

        var k = i
        var timestamp = parseMarkedTimestamp(b, &k, end: end, ciscoContext: sawCiscoPrefix)
        if timestamp == nil, sawCiscoPrefix {
            // IOS `logging origin-id`: the device's name before the timestamp ("34: router1: *Mar  1 …").
            var w = i
            while w < end, b[w] != ASCII.space, b[w] != ASCII.colon { w += 1 }
            if w > i, w + 1 < end, b[w] == ASCII.colon, b[w + 1] == ASCII.space {
                var afterName = w + 2
                skipSpaces(b, &afterName, end: end)
                timestamp = parseMarkedTimestamp(b, &afterName, end: end, ciscoContext: true)
                if timestamp != nil {
                    message.hostnameRange = ByteRange(start: i, end: w)
                    k = afterName
                }
            }
        }
        if let timestamp {
            message.timestamp = timestamp
            i = k
            if i < end, b[i] == ASCII.colon { i += 1 }  // Cisco: "…18:46:11.123: %SYS…"
            skipSpaces(b, &i, end: end)

            // HOSTNAME: the next word, unless it is the TAG itself.
            let wordStart = i
            var wordEnd = i
            var hasBracket = false
            while wordEnd < end, b[wordEnd] != ASCII.space, b[wordEnd] != ASCII.tab {
                if b[wordEnd] == ASCII.openBracket { hasBracket = true }
                wordEnd += 1
            }
            if !message.hostnameRange.isPresent, wordEnd > wordStart, !hasBracket, b[wordEnd - 1] != ASCII.colon {
                message.hostnameRange = ByteRange(start: wordStart, end: wordEnd)
                i = wordEnd
                skipSpaces(b, &i, end: end)
                // Cisco ASA with a device id: "FW01 : %ASA-6-302013: …".
                if i < end, b[i] == ASCII.colon, i + 1 == end || b[i + 1] == ASCII.space {
                    i += 1
                    skipSpaces(b, &i, end: end)
                }
            }
        }

        // F5 BIG-IP puts a severity word before the TAG: "bigip1 warning tmm[11048]: …".
        if message.hostnameRange.isPresent, let word = Self.severityWordEnd(b, at: i, end: end),
           word < end, b[word] == ASCII.space, tag(b, at: word + 1, end: end) != nil {
            i = word + 1
        }

        // A name with spaces only after a HOSTNAME: without one, its first word is the HOSTNAME.
        if let tag = tag(b, at: i, end: end) ?? (message.hostnameRange.isPresent ? spacedTag(b, at: i, end: end) : nil) {
            message.appNameRange = tag.name
            message.procIDRange = tag.procID
            message.subsystemRange = tag.subsystem
            i = tag.contentStart
        }
        if i < end { message.messageRange = ByteRange(start: i, end: end) }
        return message
    }

    @inline(__always)
    private func skipSpaces(_ b: UnsafeRawBufferPointer, _ i: inout Int, end: Int) {
        while i < end, b[i] == ASCII.space || b[i] == ASCII.tab { i += 1 }
    }

    /// A recognised TAG and where CONTENT starts after it.
    private struct Tag {
        var name: ByteRange
        var procID = ByteRange.absent
        var subsystem = ByteRange.absent
        var contentStart: Int
    }

    /// `TAG:`, `TAG[PID]`, `TAG[PID]:` or `TAG[PID] (SUBSYSTEM):` at `i`, and where CONTENT starts
    /// after it (past the spaces that separate them). A word that ends any other way is not a TAG.
    private func tag(_ b: UnsafeRawBufferPointer, at i: Int, end: Int) -> Tag? {
        var t = i
        while t < end, ASCII.isTagChar(b[t]), t - i <= Self.maxTagLength { t += 1 }
        guard t > i, t - i <= Self.maxTagLength, t < end else { return nil }
        if b[t] == ASCII.colon {
            return Tag(name: ByteRange(start: i, end: t), contentStart: afterSpaces(b, t + 1, end: end))
        }
        guard b[t] == ASCII.openBracket else { return nil }
        return procIDAndSubsystem(b, name: ByteRange(start: i, end: t), end: end, spacedName: false)
    }

    /// A program name with single spaces inside, at most ``maxSpacedTagLength`` bytes, directly
    /// followed by `[digits]` and then `:` or ` (SUBSYSTEM):` — macOS's `Microsoft Word[1234]: …`.
    /// The name starts with a TAG byte, ends with a non-space, and holds no `[`, `]`, `:` or control
    /// byte; the strict ending is what tells it apart from MSG words. Its first word is not all
    /// digits: a number where the TAG would start is a year or a count, not a program (RFC 3164
    /// §5.4, example 3: `CST 1987 mymachine myproc[10]:` is HOSTNAME `CST` and MSG from `1987`).
    private func spacedTag(_ b: UnsafeRawBufferPointer, at i: Int, end: Int) -> Tag? {
        guard i < end, ASCII.isTagChar(b[i]) else { return nil }
        let limit = min(end, i + Self.maxSpacedTagLength + 1)
        var t = i
        var firstWordIsNumber = true
        var sawSpace = false
        while t < limit {
            let c = b[t]
            if c == ASCII.openBracket { break }
            if c == ASCII.space {
                guard b[t - 1] != ASCII.space, !firstWordIsNumber else { return nil }
                sawSpace = true
            } else if c < 0x20 || c == 0x7F || c == ASCII.closeBracket || c == ASCII.colon {
                return nil
            } else if !sawSpace, !ASCII.isDigit(c) {
                firstWordIsNumber = false
            }
            t += 1
        }
        guard sawSpace, t < limit, b[t] == ASCII.openBracket, b[t - 1] != ASCII.space else { return nil }
        return procIDAndSubsystem(b, name: ByteRange(start: i, end: t), end: end, spacedName: true)
    }

    /// `[PID]` at `name.end`, then `:`, ` (SUBSYSTEM):` or (for a plain TAG) nothing. A name with
    /// spaces needs a PID of digits and one of the two endings.
    private func procIDAndSubsystem(_ b: UnsafeRawBufferPointer, name: ByteRange, end: Int, spacedName: Bool) -> Tag? {
        let open = name.end
        var p = open + 1
        while p < end, b[p] != ASCII.closeBracket, b[p] != ASCII.space, p - open <= Self.maxProcIDLength {
            if spacedName, !ASCII.isDigit(b[p]) { return nil }
            p += 1
        }
        guard p > open + 1, p < end, b[p] == ASCII.closeBracket else { return nil }
        var tag = Tag(name: name, procID: ByteRange(start: open + 1, end: p), contentStart: p + 1)
        if tag.contentStart < end, b[tag.contentStart] == ASCII.colon {
            tag.contentStart += 1
        } else if let subsystem = subsystem(b, at: tag.contentStart, end: end) {
            tag.subsystem = subsystem
            tag.contentStart = subsystem.end + 2  // past "):"
        } else if spacedName {
            return nil
        }
        tag.contentStart = afterSpaces(b, tag.contentStart, end: end)
        return tag
    }

    /// ` (SUBSYSTEM):` at `i` — balanced parentheses, no control bytes, at most
    /// ``maxSubsystemLength`` — as the range inside the parentheses, or `nil`.
    private func subsystem(_ b: UnsafeRawBufferPointer, at i: Int, end: Int) -> ByteRange? {
        guard i + 1 < end, b[i] == ASCII.space, b[i + 1] == ASCII.openParenthesis else { return nil }
        let limit = min(end, i + 1 + Self.maxSubsystemLength)
        var depth = 1
        var k = i + 2
        while k < limit {
            let c = b[k]
            if c == ASCII.openParenthesis {
                depth += 1
            } else if c == ASCII.closeParenthesis {
                depth -= 1
                if depth == 0 { break }
            } else if c < 0x20 {
                return nil
            }
            k += 1
        }
        guard k < limit, k > i + 2, k + 1 < end, b[k + 1] == ASCII.colon else { return nil }
        return ByteRange(start: i + 2, end: k)
    }

    /// `i` past the SP and HT there. CONTENT never starts with them: like the spaces between
    /// header fields, the spaces after the TAG separate, whatever their number (syslogd writes
    /// `kernel:  BIOS-e820: …` for an indented kernel line; Loghub and most readers drop them).
    @inline(__always)
    private func afterSpaces(_ b: UnsafeRawBufferPointer, _ i: Int, end: Int) -> Int {
        var k = i
        skipSpaces(b, &k, end: end)
        return k
    }

    /// The end of a syslog severity keyword (`warning`, `err`, `info` …) at `i`, or `nil`.
    private static func severityWordEnd(_ b: UnsafeRawBufferPointer, at i: Int, end: Int) -> Int? {
        var k = i
        while k < end, ASCII.isLetter(b[k]), k - i < 8 { k += 1 }
        switch k - i {
        case 3: if b.matches("err", at: i, end: k) { return k }
        case 4: if b.matches("crit", at: i, end: k) || b.matches("info", at: i, end: k) || b.matches("warn", at: i, end: k) { return k }
        case 5: if b.matches("emerg", at: i, end: k) || b.matches("alert", at: i, end: k) || b.matches("debug", at: i, end: k) || b.matches("error", at: i, end: k) { return k }
        case 6: if b.matches("notice", at: i, end: k) { return k }
        case 7: if b.matches("warning", at: i, end: k) { return k }
        default: break
        }
        return nil
    }

    /// A timestamp at `i`, after Cisco's optional "*" (clock not set) or "." (clock lost sync)
    /// marker; `i` is left just past it. On failure `i` is unchanged.
    private func parseMarkedTimestamp(_ b: UnsafeRawBufferPointer, _ i: inout Int, end: Int, ciscoContext: Bool) -> SyslogTimestamp? {
        var k = i
        let marked = k < end && (b[k] == ASCII.asterisk || b[k] == ASCII.dot)
        if marked { k += 1 }
        guard let timestamp = parseTimestamp(b, &k, end: end, ciscoContext: ciscoContext || marked) else { return nil }
        i = k
        return timestamp
    }

    /// A BSD or ISO timestamp at `i` followed by SP, `:` or the end; `i` is left just past it.
    /// On failure `i` is unchanged.
    private func parseTimestamp(_ b: UnsafeRawBufferPointer, _ i: inout Int, end: Int, ciscoContext: Bool) -> SyslogTimestamp? {
        var k = i
        var timestamp: SyslogTimestamp?
        if k < end, ASCII.isDigit(b[k]) {
            do throws(RFC3339.Failure) {
                timestamp = try RFC3339.parse(b, &k, end: end, strict: false, timeZone: timeZone)
            } catch {
                // Cisco NX-OS puts the year first: "<189>: 2013 Jan 25 12:58:53 UTC: …". Elsewhere a
                // leading year is not a timestamp (RFC 3164 §5.4, example 4: it is all MSG).
                guard ciscoContext else { return nil }
                k = i
                timestamp = parseBSDTimestamp(b, &k, end: end, ciscoContext: ciscoContext, yearFirst: true)
            }
        } else {
            timestamp = parseBSDTimestamp(b, &k, end: end, ciscoContext: ciscoContext)
        }
        guard let timestamp, k == end || b[k] == ASCII.space || b[k] == ASCII.tab || b[k] == ASCII.colon else { return nil }
        i = k
        return timestamp
    }
}
