/// The RFC 3164 TIMESTAMP, `Mmm dd hh:mm:ss`, and the variants devices send:
/// - day space-padded (`Aug  7`), single-digit (`Jun 8`) or zero-padded (`Aug 07`); month in any case;
/// - a year after the day (`Mar 7 2008 19:06:53`, Cisco `service timestamps … year`), after the
///   time (`May 14 09:21:07 2024`, Aruba) or, on Cisco NX-OS only, first (`2013 Jan 25 12:58:53`);
/// - a fraction after the seconds (`18:46:11.123`, Cisco `msec`);
/// - a time-zone name before Cisco's trailing colon (`… 18:46:11.123 UTC:`); only UTC/GMT
///   change the offset, other names are local time.
/// Without a year, the year is inferred from the parser's reference time.
extension SyslogParser {
    func parseBSDTimestamp(
        _ b: UnsafeRawBufferPointer, _ i: inout Int, end: Int, ciscoContext: Bool, yearFirst: Bool = false
    ) -> SyslogTimestamp? {
        var k = i
        // Leading year: "2013 Jan 25 12:58:53" (NX-OS).
        var year: Int?
        if yearFirst, let y = RFC3339.digits(b, k, 4, end: end), k + 4 < end, b[k + 4] == ASCII.space {
            year = y
            k += 5
        }
        // "Mmm" SP
        guard end - k >= 14, let month = Self.month(b[k], b[k + 1], b[k + 2]), b[k + 3] == ASCII.space else { return nil }
        k += 4
        if b[k] == ASCII.space { k += 1 }
        // Day: 1 or 2 digits.
        guard k < end, ASCII.isDigit(b[k]) else { return nil }
        var day = ASCII.digitValue(b[k])
        k += 1
        if k < end, ASCII.isDigit(b[k]) {
            day = day * 10 + ASCII.digitValue(b[k])
            k += 1
        }
        guard day >= 1, day <= 31, k < end, b[k] == ASCII.space else { return nil }
        k += 1
        // Optional year: 4 digits then SP.
        if year == nil, let y = RFC3339.digits(b, k, 4, end: end), k + 4 < end, b[k + 4] == ASCII.space {
            year = y
            k += 5
        }
        // hh:mm:ss
        guard let hour = RFC3339.digits(b, k, 2, end: end), k + 2 < end, b[k + 2] == ASCII.colon,
              let minute = RFC3339.digits(b, k + 3, 2, end: end), k + 5 < end, b[k + 5] == ASCII.colon,
              let second = RFC3339.digits(b, k + 6, 2, end: end),
              hour < 24, minute < 60, second <= 60
        else { return nil }
        k += 8
        // Optional fraction (milliseconds on Cisco; any precision up to nanoseconds).
        var nanos = 0
        if k + 1 < end, b[k] == ASCII.dot, ASCII.isDigit(b[k + 1]) {
            k += 1
            var digits = 0
            while k < end, ASCII.isDigit(b[k]) {
                if digits < 9 { nanos = nanos * 10 + ASCII.digitValue(b[k]) }
                digits += 1
                k += 1
            }
            for _ in min(digits, 9)..<9 { nanos *= 10 }
        }
        // Optional year after the time (Aruba, some Unix syslogds): "May 14 09:21:07 2024 host …".
        if year == nil, k + 5 <= end, b[k] == ASCII.space, let y = RFC3339.digits(b, k + 1, 4, end: end),
           (1970...2099).contains(y), k + 5 == end || b[k + 5] == ASCII.space {
            year = y
            k += 5
        }
        // Optional Cisco time-zone name: SP [A-Z]{3,5} ":".
        var utcByName = false
        if ciscoContext || year != nil || nanos != 0, k < end, b[k] == ASCII.space {
            var z = k + 1
            while z < end, ASCII.isUpper(b[z]), z - k <= 5 { z += 1 }
            let nameLength = z - k - 1
            if nameLength >= 3, nameLength <= 5, z < end, b[z] == ASCII.colon {
                utcByName = nameLength == 3 && (b.matches("UTC", at: k + 1, end: z) || b.matches("GMT", at: k + 1, end: z))
                k = z
            }
        }

        let zone = utcByName ? LocalTimeZone.utc : timeZone
        let yearWasInferred = year == nil
        let utc: Int64
        let offset: Int32
        if let year {
            guard SyslogTimestamp.supportedYears.contains(year) else { return nil }
            (utc, offset) = zone.utcSeconds(fromLocal: CivilTime.seconds(
                year: year, month: month, day: day, hour: hour, minute: minute, second: second))
        } else {
            let inferred = inferYear(month: month, day: day, hour: hour, minute: minute, second: second, in: zone)
            utc = inferred.utc
            offset = inferred.offset
            year = inferred.year
        }
        // Feb 30 or Apr 31 is not a date: leave the text in MSG rather than roll it over.
        guard let year, day <= CivilTime.daysInMonth(year: year, month: month) else { return nil }
        i = k
        return SyslogTimestamp(
            nanosecondsSinceEpoch: utc &* 1_000_000_000 &+ Int64(nanos),
            utcOffsetSeconds: offset,
            hasExplicitOffset: utcByName,
            yearWasInferred: yearWasInferred)
    }

    /// Month number from a three-letter English abbreviation, any case.
    @inline(__always)
    static func month(_ c0: UInt8, _ c1: UInt8, _ c2: UInt8) -> Int? {
        // Lower-case the three letters into one integer and compare.
        let key = UInt32(c0 | 0x20) << 16 | UInt32(c1 | 0x20) << 8 | UInt32(c2 | 0x20)
        switch key {
        case 0x6A_61_6E: return 1  // jan
        case 0x66_65_62: return 2  // feb
        case 0x6D_61_72: return 3  // mar
        case 0x61_70_72: return 4  // apr
        case 0x6D_61_79: return 5  // may
        case 0x6A_75_6E: return 6  // jun
        case 0x6A_75_6C: return 7  // jul
        case 0x61_75_67: return 8  // aug
        case 0x73_65_70: return 9  // sep
        case 0x6F_63_74: return 10  // oct
        case 0x6E_6F_76: return 11  // nov
        case 0x64_65_63: return 12  // dec
        default: return nil
        }
    }
}
