#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns one message's bytes into a ``SyslogMessage`` — RFC 5424 strictly, RFC 3164 leniently.
///
/// The format is told from the bytes after `<PRI>`: a VERSION (1–3 digits then SP) means
/// RFC 5424, and from there the grammar is enforced to the letter (a typed error with the byte
/// offset otherwise). Anything else is RFC 3164 as real devices send it, which never fails:
/// what cannot be recognised as header becomes MSG.
///
/// The parser is a small value (configuration plus a cached year); each receive thread keeps its
/// own copy, so there is nothing shared to lock.
public struct SyslogParser: Sendable {
    /// Messages longer than this are rejected with ``SyslogParseError/Kind/oversize``.
    public var maxMessageSize: Int
    /// The zone for timestamps written without an offset (RFC 3164).
    public var timeZone: LocalTimeZone {
        didSet { referenceLocalYear = Self.localYear(of: referenceTime, in: timeZone) }
    }
    /// "Now", in UTC seconds: RFC 3164 timestamps carry no year, and the year is chosen so that
    /// the timestamp is not more than a day after this instant.
    public var referenceTime: Int64 {
        didSet { referenceLocalYear = Self.localYear(of: referenceTime, in: timeZone) }
    }
    private var referenceLocalYear: Int

    public static let defaultMaxMessageSize = 64 * 1024

    public init(
        maxMessageSize: Int = SyslogParser.defaultMaxMessageSize,
        timeZone: LocalTimeZone = .utc,
        referenceTime: Int64 = SyslogParser.currentTime()
    ) {
        self.maxMessageSize = maxMessageSize
        self.timeZone = timeZone
        self.referenceTime = referenceTime
        self.referenceLocalYear = Self.localYear(of: referenceTime, in: timeZone)
    }

    /// The wall clock, in UTC seconds.
    public static func currentTime() -> Int64 {
        Int64(time(nil))
    }

    /// Parses one message (a datagram, or one frame of a TCP stream).
    ///
    /// Leading whitespace and trailing whitespace (SP, HT, CR, LF, NUL — trailers some senders add
    /// to datagrams) are not part of any field. Never traps and never reads outside `bytes`.
    public func parse(_ bytes: UnsafeRawBufferPointer) throws(SyslogParseError) -> SyslogMessage {
        guard bytes.count <= maxMessageSize else {
            throw SyslogParseError(.oversize, at: maxMessageSize, "longer than the maximum message size")
        }
        var start = 0
        var end = bytes.count
        while start < end, ASCII.isFrameWhitespace(bytes[start]) { start += 1 }
        while end > start, ASCII.isFrameWhitespace(bytes[end - 1]) { end -= 1 }
        guard start < end else { throw SyslogParseError(.empty, at: start) }

        guard bytes[start] == ASCII.lessThan else {
            // No PRI. An RFC 5424 header is still recognisable by its VERSION; RFC 5424 requires
            // PRI, so that is an error. Anything else is RFC 3164 text, which a relay accepts
            // with PRI 13 (RFC 3164 §4.3.3).
            if Self.versionLength(bytes, at: start, end: end) != nil {
                throw SyslogParseError(.missingPriority, at: start, "RFC 5424 header without <PRI>")
            }
            return parseRFC3164(bytes, from: start, end: end, priority: .relayDefault, priorityIsDefault: true)
        }

        var i = start + 1
        var value = 0
        while i < end, ASCII.isDigit(bytes[i]), i - start <= 3 {
            value = value * 10 + ASCII.digitValue(bytes[i])
            i += 1
        }
        guard i > start + 1, i - start <= 4, i < end, bytes[i] == ASCII.greaterThan else {
            throw SyslogParseError(.badPriority, at: i, "expected <0-191>")
        }
        guard let priority = Priority(value) else {
            throw SyslogParseError(.badPriority, at: start + 1, "above 191")
        }
        i += 1

        if let versionLength = Self.versionLength(bytes, at: i, end: end, orEnd: true) {
            return try parseRFC5424(bytes, versionAt: i, versionLength: versionLength, end: end, priority: priority)
        }
        return parseRFC3164(bytes, from: i, end: end, priority: priority, priorityIsDefault: false)
    }

    /// The length of an RFC 5424 VERSION at `i` (1–3 digits followed by SP, or by the end of a
    /// message cut short when `orEnd`), or `nil`.
    @inline(__always)
    static func versionLength(_ b: UnsafeRawBufferPointer, at i: Int, end: Int, orEnd: Bool = false) -> Int? {
        var k = i
        while k < end, ASCII.isDigit(b[k]), k - i < 4 { k += 1 }
        let n = k - i
        guard n >= 1, n <= 3, k < end ? b[k] == ASCII.space : orEnd else { return nil }
        return n
    }

    static func localYear(of utc: Int64, in zone: LocalTimeZone) -> Int {
        let local = utc + Int64(zone.offset(atUTC: utc))
        let days = local >= 0 ? local / 86_400 : (local + 1) / 86_400 - 1
        return CivilTime.civilDate(daysSinceEpoch: Int(days)).year
    }

    /// The year for a timestamp written without one: this year, unless that puts it more than a
    /// day after the reference time — then last year (a December message read in January).
    /// February 29 goes to the latest leap year that fits the same rule.
    func inferYear(
        month: Int, day: Int, hour: Int, minute: Int, second: Int, in zone: LocalTimeZone
    ) -> (utc: Int64, offset: Int32, year: Int) {
        func instant(in candidate: Int) -> (utc: Int64, offset: Int32, year: Int) {
            var year = candidate
            if month == 2, day == 29 {
                while !CivilTime.isLeapYear(year) { year -= 1 }
            }
            let (utc, offset) = zone.utcSeconds(fromLocal: CivilTime.seconds(
                year: year, month: month, day: day, hour: hour, minute: minute, second: second))
            return (utc, offset, year)
        }
        let thisYear = instant(in: referenceLocalYear)
        return thisYear.utc <= referenceTime + 86_400 ? thisYear : instant(in: referenceLocalYear - 1)
    }
}
