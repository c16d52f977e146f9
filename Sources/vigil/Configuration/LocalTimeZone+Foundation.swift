import Foundation
import Syslog

extension LocalTimeZone {
    struct UnknownZone: Error, CustomStringConvertible {
        let name: String
        var description: String { "unknown time zone '\(name)': use UTC, ±hh:mm or an IANA name such as Europe/Berlin" }
    }

    /// A zone from the command line: `UTC`/`Z`, a fixed offset (`+02:00`, `-0530`), an IANA name,
    /// or `nil` for the system's zone (`TZ`, else `/etc/localtime`).
    static func named(_ name: String?, around reference: Date = Date()) throws -> LocalTimeZone {
        guard let name else { return LocalTimeZone(TimeZone.current, around: reference) }
        if name == "UTC" || name == "Z" || name == "utc" { return .utc }
        if let offset = fixedOffset(name) { return LocalTimeZone(fixedOffsetSeconds: offset) }
        guard let zone = TimeZone(identifier: name) else { throw UnknownZone(name: name) }
        return LocalTimeZone(zone, around: reference)
    }

    /// The zone's offsets and daylight-saving transitions from `years` before to `years` after
    /// `reference` — the span RFC 3164 year inference and any sane device clock can reach.
    init(_ zone: TimeZone, around reference: Date, years: Int = 3) {
        let span = TimeInterval(years) * 366 * 86_400
        let start = reference.addingTimeInterval(-span)
        let stop = reference.addingTimeInterval(span)
        var transitions: [(utcStart: Int64, offsetSeconds: Int32)] = []
        var cursor = start
        while let next = zone.nextDaylightSavingTimeTransition(after: cursor), next < stop {
            transitions.append((Int64(next.timeIntervalSince1970), Int32(zone.secondsFromGMT(for: next))))
            cursor = next
        }
        self.init(initialOffset: Int32(zone.secondsFromGMT(for: start)), transitions: transitions)
    }

    /// `±hh:mm`, `±hhmm` or `±hh` as seconds east of UTC.
    private static func fixedOffset(_ text: String) -> Int32? {
        let chars = Array(text.utf8)
        guard let sign = chars.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") else { return nil }
        let digits = chars.dropFirst().filter { $0 != UInt8(ascii: ":") }
        guard [2, 4].contains(digits.count), digits.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        let values = digits.map { Int32($0 - 0x30) }
        let hours = values[0] * 10 + values[1]
        let minutes = digits.count == 4 ? values[2] * 10 + values[3] : 0
        guard hours < 24, minutes < 60 else { return nil }
        return (sign == UInt8(ascii: "-") ? -1 : 1) * (hours * 3600 + minutes * 60)
    }
}
