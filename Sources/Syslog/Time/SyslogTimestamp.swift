/// A header timestamp: the instant in UTC plus what the sender wrote about its offset.
///
/// Detection and storage work on the UTC instant; the offset is kept so a message can be shown
/// as the sender wrote it.
public struct SyslogTimestamp: Sendable, Hashable {
    /// Nanoseconds since 1970-01-01T00:00:00Z.
    public var nanosecondsSinceEpoch: Int64
    /// The sender's UTC offset in seconds. For timestamps written without an offset (RFC 3164)
    /// this is the offset of the configured local time zone that was applied.
    public var utcOffsetSeconds: Int32
    /// `false` when the timestamp carried no offset and the local time zone was assumed.
    public var hasExplicitOffset: Bool
    /// `true` when the timestamp carried no year and it was inferred from the reference time.
    public var yearWasInferred: Bool

    @inlinable
    public init(nanosecondsSinceEpoch: Int64, utcOffsetSeconds: Int32, hasExplicitOffset: Bool, yearWasInferred: Bool = false) {
        self.nanosecondsSinceEpoch = nanosecondsSinceEpoch
        self.utcOffsetSeconds = utcOffsetSeconds
        self.hasExplicitOffset = hasExplicitOffset
        self.yearWasInferred = yearWasInferred
    }

    /// The years a timestamp may name: Int64 nanoseconds since 1970 span 1677-09-21 to
    /// 2262-04-11, so whole years within that (even after a ±23:59 offset) are accepted and
    /// anything else is not a timestamp.
    public static let supportedYears = 1678...2261

    /// Whole seconds since the epoch (floor).
    @inlinable
    public var secondsSinceEpoch: Int64 {
        let (quotient, remainder) = nanosecondsSinceEpoch.quotientAndRemainder(dividingBy: 1_000_000_000)
        return remainder < 0 ? quotient - 1 : quotient
    }

    /// Nanoseconds past ``secondsSinceEpoch``, 0…999 999 999.
    @inlinable
    public var nanosecondOfSecond: Int {
        let remainder = Int(nanosecondsSinceEpoch % 1_000_000_000)
        return remainder < 0 ? remainder + 1_000_000_000 : remainder
    }

    /// An instant in UTC, `seconds` since the epoch (no offset written by anyone).
    @inlinable
    public init(utcSeconds seconds: Int64) {
        self.init(nanosecondsSinceEpoch: seconds &* 1_000_000_000, utcOffsetSeconds: 0, hasExplicitOffset: true)
    }

    /// An instant in UTC, `milliseconds` since the epoch.
    @inlinable
    public init(utcMilliseconds milliseconds: Int64) {
        self.init(nanosecondsSinceEpoch: milliseconds &* 1_000_000, utcOffsetSeconds: 0, hasExplicitOffset: true)
    }

    /// The fraction of a second an RFC 3339 rendering carries (cut, not rounded: a rendered
    /// time never lies in the future of the instant).
    public enum Fraction: Sendable {
        /// `2024-01-15T10:30:45Z`
        case none
        /// `2024-01-15T10:30:45.123Z`
        case milliseconds
        /// `2024-01-15T10:30:45.123000Z`, nine digits when the instant has sub-microsecond precision.
        case precise
    }

    /// RFC 3339 in UTC with a fraction: `2003-10-11T22:14:15.003000Z` (9 digits when the
    /// instant has sub-microsecond precision).
    public var rfc3339UTC: String { rfc3339UTC(.precise) }

    /// RFC 3339 in UTC with the given fraction. The one place Vigil writes a date-time: the API,
    /// the analyzer's output, notifications, the outbox and the log all call it.
    public func rfc3339UTC(_ fraction: Fraction) -> String {
        var out = [UInt8]()
        out.reserveCapacity(32)
        appendRFC3339UTC(to: &out, fraction: fraction)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends ``rfc3339UTC(_:)`` as ASCII bytes, without an intermediate `String`.
    public func appendRFC3339UTC(to out: inout [UInt8], fraction: Fraction = .precise) {
        let seconds = secondsSinceEpoch
        let nanos = nanosecondOfSecond
        let (quotient, remainder) = seconds.quotientAndRemainder(dividingBy: 86_400)
        let days = Int(remainder < 0 ? quotient - 1 : quotient)
        let secondOfDay = Int(remainder < 0 ? remainder + 86_400 : remainder)
        let date = CivilTime.civilDate(daysSinceEpoch: days)
        func digits(_ value: Int, _ count: Int) {
            var divisor = 1
            for _ in 1..<count { divisor *= 10 }
            while divisor > 0 {
                out.append(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: value / divisor % 10))
                divisor /= 10
            }
        }
        if date.year < 0 || date.year > 9999 { out.append(contentsOf: Array("\(date.year)".utf8)) } else { digits(date.year, 4) }
        out.append(UInt8(ascii: "-")); digits(date.month, 2)
        out.append(UInt8(ascii: "-")); digits(date.day, 2)
        out.append(UInt8(ascii: "T")); digits(secondOfDay / 3600, 2)
        out.append(UInt8(ascii: ":")); digits(secondOfDay / 60 % 60, 2)
        out.append(UInt8(ascii: ":")); digits(secondOfDay % 60, 2)
        switch fraction {
        case .none:
            break
        case .milliseconds:
            out.append(UInt8(ascii: ".")); digits(nanos / 1_000_000, 3)
        case .precise:
            out.append(UInt8(ascii: "."))
            if nanos % 1000 == 0 { digits(nanos / 1000, 6) } else { digits(nanos, 9) }
        }
        out.append(UInt8(ascii: "Z"))
    }
}

extension SyslogTimestamp {
    /// Parses an RFC 3339 / ISO 8601 date-time (`2024-01-15T10:30:00Z`, `…+02:00`, `…t…`,
    /// fraction up to 9 digits); without an offset it is read in `timeZone`. `nil` unless the
    /// whole text is one date-time.
    public init?(iso8601 text: String, timeZone: LocalTimeZone = .utc) {
        var utf8 = text
        let parsed: SyslogTimestamp? = utf8.withUTF8 { bytes in
            let raw = UnsafeRawBufferPointer(bytes)
            var i = 0
            do throws(RFC3339.Failure) {
                let timestamp = try RFC3339.parse(raw, &i, end: raw.count, strict: false, timeZone: timeZone)
                return i == raw.count ? timestamp : nil
            } catch {
                return nil
            }
        }
        guard let parsed else { return nil }
        self = parsed
    }
}
