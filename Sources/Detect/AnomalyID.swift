import Syslog

/// Builds alert ids of the form `anom_YYYYMMDD_HHMMSS_N` (UTC): readable, sortable by time, and
/// unique within one generator because `N` counts the alerts issued in the same second.
///
/// Several processes sharing a database can still produce the same id in the same second; the
/// store's insert must treat the id as a key and retry with the next `N`.
public struct AnomalyID: Sendable, Hashable {
    private var lastSecond: Int64?
    private var ordinal = 0

    public init() {}

    public mutating func next(at seconds: Int64) -> String {
        if seconds == lastSecond {
            ordinal += 1
        } else {
            lastSecond = seconds
            ordinal = 1
        }
        return Self.format(seconds: seconds, ordinal: ordinal)
    }

    public static func format(seconds: Int64, ordinal: Int) -> String {
        let (quotient, remainder) = seconds.quotientAndRemainder(dividingBy: 86_400)
        let days = Int(remainder < 0 ? quotient - 1 : quotient)
        let secondOfDay = Int(remainder < 0 ? remainder + 86_400 : remainder)
        let date = CivilTime.civilDate(daysSinceEpoch: days)
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "anom_\(pad(date.year, 4))\(pad(date.month, 2))\(pad(date.day, 2))_"
            + "\(pad(secondOfDay / 3600, 2))\(pad(secondOfDay / 60 % 60, 2))\(pad(secondOfDay % 60, 2))_\(ordinal)"
    }
}
