import Detect
import Syslog

/// Outbox time: milliseconds since the epoch on the wall clock — rows are compared across
/// processes, so a monotonic clock would not do; instances sharing PostgreSQL need synchronised
/// clocks (NTP), as leases and backoff are judged against them.
public enum OutboxClock {
    public static func milliseconds() -> Int64 { WallClock().nanosecondsSinceEpoch / 1_000_000 }

    /// RFC 3339 UTC with milliseconds, exactly (no floating point): `2024-01-15T10:30:45.123Z`.
    public static func rfc3339(milliseconds: Int64) -> String {
        SyslogTimestamp(utcMilliseconds: milliseconds).rfc3339UTC(.milliseconds)
    }
}
