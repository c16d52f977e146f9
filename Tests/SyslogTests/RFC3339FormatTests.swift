import Testing
@testable import Syslog

/// `SyslogTimestamp.rfc3339UTC(_:)`: the one date-time writer the API, notifications, the outbox
/// and the log share.
@Suite struct RFC3339FormatTests {
    @Test func eachFractionCutsRatherThanRounds() {
        let instant = SyslogTimestamp(
            nanosecondsSinceEpoch: 1_705_314_645_123_456_789, utcOffsetSeconds: 3600, hasExplicitOffset: true)
        #expect(instant.rfc3339UTC(.none) == "2024-01-15T10:30:45Z")
        #expect(instant.rfc3339UTC(.milliseconds) == "2024-01-15T10:30:45.123Z")
        #expect(instant.rfc3339UTC(.precise) == "2024-01-15T10:30:45.123456789Z")
        #expect(SyslogTimestamp(utcMilliseconds: 1_705_314_645_120).rfc3339UTC == "2024-01-15T10:30:45.120000Z")
    }

    @Test func wholeSecondsAndInstantsBeforeTheEpoch() {
        #expect(SyslogTimestamp(utcSeconds: 0).rfc3339UTC(.milliseconds) == "1970-01-01T00:00:00.000Z")
        #expect(SyslogTimestamp(utcSeconds: 1_709_164_800).rfc3339UTC(.none) == "2024-02-29T00:00:00Z")
        // A millisecond before the epoch is in 1969's last second, not "-0.001".
        #expect(SyslogTimestamp(utcMilliseconds: -1).rfc3339UTC(.milliseconds) == "1969-12-31T23:59:59.999Z")
    }

    @Test func whatIsWrittenReadsBackAsTheSameInstant() {
        for nanoseconds: Int64 in [0, 1_000_000, 86_399_999_000_000, 4_102_444_800_000_000_000, -6_213_559_680_000_000_000] {
            let written = SyslogTimestamp(nanosecondsSinceEpoch: nanoseconds, utcOffsetSeconds: 0, hasExplicitOffset: true)
            #expect(SyslogTimestamp(iso8601: written.rfc3339UTC)?.nanosecondsSinceEpoch == nanoseconds, "\(written.rfc3339UTC)")
        }
    }
}
