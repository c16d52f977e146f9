/// RFC 3339 date-times on raw bytes, in two dialects.
///
/// - `strict`: RFC 5424 §6.2.3 — `T` and `Z` upper case, at most 6 fraction digits, an offset
///   (`Z` or `±hh:mm`) required, no leap second.
/// - lenient: ISO 8601 as devices put it in the RFC 3164 TIMESTAMP slot — `t` or a space between
///   date and time (macOS `install.log`: `2024-05-01 13:42:38-04`), up to 9 fraction digits, offset
///   `Z`, `±hh:mm`, `±hhmm`, `±hh` or none (then local time).
enum RFC3339 {
    enum Failure: Error {
        /// Not shaped like a date-time at all (the lenient caller then tries something else).
        case shape(at: Int)
        /// Shaped like one, but a field is out of range.
        case range(at: Int, StaticString)
    }

    /// Parses a date-time starting at `i`; on success `i` is just past it.
    static func parse(
        _ b: UnsafeRawBufferPointer, _ i: inout Int, end: Int, strict: Bool, timeZone: LocalTimeZone
    ) throws(Failure) -> SyslogTimestamp {
        let s = i
        // YYYY-MM-DDThh:mm:ss is 19 bytes.
        guard end - s >= 19 else { throw .shape(at: end) }
        // Fixed positions, two digits at a time (this runs for every RFC 5424 message).
        let century = twoDigits(b, s), yearOfCentury = twoDigits(b, s + 2)
        guard century >= 0, yearOfCentury >= 0 else { throw .shape(at: s) }
        let year = century * 100 + yearOfCentury
        guard b[s + 4] == ASCII.hyphen else { throw .shape(at: s + 4) }
        let month = twoDigits(b, s + 5)
        guard month >= 0 else { throw .shape(at: s + 5) }
        guard b[s + 7] == ASCII.hyphen else { throw .shape(at: s + 7) }
        let day = twoDigits(b, s + 8)
        guard day >= 0 else { throw .shape(at: s + 8) }
        let t = b[s + 10]
        guard t == UInt8(ascii: "T") || (!strict && (t == UInt8(ascii: "t") || t == ASCII.space)) else { throw .shape(at: s + 10) }
        let hour = twoDigits(b, s + 11)
        guard hour >= 0 else { throw .shape(at: s + 11) }
        guard b[s + 13] == ASCII.colon else { throw .shape(at: s + 13) }
        let minute = twoDigits(b, s + 14)
        guard minute >= 0 else { throw .shape(at: s + 14) }
        guard b[s + 16] == ASCII.colon else { throw .shape(at: s + 16) }
        let second = twoDigits(b, s + 17)
        guard second >= 0 else { throw .shape(at: s + 17) }

        guard SyslogTimestamp.supportedYears.contains(year) else { throw .range(at: s, "year outside 1678-2261") }
        guard (1...12).contains(month) else { throw .range(at: s + 5, "month out of range") }
        guard day >= 1, day <= CivilTime.daysInMonth(year: year, month: month) else {
            throw .range(at: s + 8, "day out of range")
        }
        guard hour < 24 else { throw .range(at: s + 11, "hour out of range") }
        guard minute < 60 else { throw .range(at: s + 14, "minute out of range") }
        guard second < (strict ? 60 : 61) else { throw .range(at: s + 17, "second out of range") }

        var k = s + 19
        var nanos = 0
        if k < end, b[k] == ASCII.dot {
            k += 1
            let fractionStart = k
            let maxDigits = strict ? 6 : 9
            while k < end, ASCII.isDigit(b[k]), k - fractionStart < maxDigits {
                nanos = nanos * 10 + ASCII.digitValue(b[k])
                k += 1
            }
            let count = k - fractionStart
            guard count > 0 else { throw .range(at: k, "empty fraction") }
            if k < end, ASCII.isDigit(b[k]) { throw .range(at: k, strict ? "more than 6 fraction digits" : "more than 9 fraction digits") }
            for _ in count..<9 { nanos *= 10 }
        }

        var offset: Int32 = 0
        var explicit = true
        if k < end, b[k] == UInt8(ascii: "Z") || (!strict && b[k] == UInt8(ascii: "z")) {
            k += 1
        } else if k < end, b[k] == ASCII.plus || b[k] == ASCII.hyphen {
            let sign: Int32 = b[k] == ASCII.plus ? 1 : -1
            let signAt = k
            guard let oh = digits(b, k + 1, 2, end: end) else { throw .range(at: k + 1, "bad offset") }
            k += 3
            var om = 0
            if k < end, b[k] == ASCII.colon {
                guard let m = digits(b, k + 1, 2, end: end) else { throw .range(at: k + 1, "bad offset") }
                om = m
                k += 3
            } else if strict {
                throw .range(at: k, "offset must be ±hh:mm")
            } else if let m = digits(b, k, 2, end: end) {
                om = m
                k += 2
            }
            guard oh < 24, om < 60 else { throw .range(at: signAt, "offset out of range") }
            offset = sign * Int32(oh * 3600 + om * 60)
        } else if strict {
            throw .range(at: k, "missing time offset")
        } else {
            explicit = false
        }

        let wall = CivilTime.seconds(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        let utc: Int64
        if explicit {
            utc = wall - Int64(offset)
        } else {
            (utc, offset) = timeZone.utcSeconds(fromLocal: wall)
        }
        i = k
        return SyslogTimestamp(
            nanosecondsSinceEpoch: utc &* 1_000_000_000 &+ Int64(nanos),
            utcOffsetSeconds: offset,
            hasExplicitOffset: explicit)
    }

    /// Two decimal digits at `at` (in bounds) as 0…99, or -1.
    @inline(__always)
    static func twoDigits(_ b: UnsafeRawBufferPointer, _ at: Int) -> Int {
        let high = b[at] &- 0x30
        let low = b[at + 1] &- 0x30
        return high < 10 && low < 10 ? Int(high) &* 10 &+ Int(low) : -1
    }

    /// `count` decimal digits at `at` as an integer, or `nil`; the caller guarantees they are in bounds.
    @inline(__always)
    static func digits(_ b: UnsafeRawBufferPointer, _ at: Int, _ count: Int) -> Int? {
        var value = 0
        for k in at..<(at + count) {
            let c = b[k]
            guard ASCII.isDigit(c) else { return nil }
            value = value * 10 + ASCII.digitValue(c)
        }
        return value
    }

    /// As ``digits(_:_:_:)``, checking the bounds against `end`.
    @inline(__always)
    static func digits(_ b: UnsafeRawBufferPointer, _ at: Int, _ count: Int, end: Int) -> Int? {
        guard end - at >= count else { return nil }
        return digits(b, at, count)
    }
}
