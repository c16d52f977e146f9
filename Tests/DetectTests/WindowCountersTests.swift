import Testing
@testable import Detect

@Suite struct WindowCountersTests {
    @Test func countsBySeverityOverTheTrailingWindow() {
        var window = WindowCounters(bucketCount: 3, startingAt: 100)
        window.record(severity: 3, at: 100)
        window.record(severity: 6, at: 101)
        window.record(severity: 6, at: 102)
        let counts = window.trailingWindow
        #expect(counts.total == 3)
        #expect(counts.errors == 1)
        #expect(counts.bySeverity[6] == 2)
        #expect(abs(counts.errorRate - 1.0 / 3.0) < 1e-12)
    }

    @Test func bucketsOlderThanTheWindowFallOut() {
        var window = WindowCounters(bucketCount: 3, startingAt: 10)
        window.record(severity: 3, at: 10)
        window.record(severity: 4, at: 11)
        window.advance(to: 13)  // window is now ticks 11...13
        #expect(window.trailingWindow.total == 1)
        window.advance(to: 100)  // far ahead: everything cleared
        #expect(window.trailingWindow.total == 0)
    }

    @Test func aTickOlderThanTheWindowIsIgnored() {
        var window = WindowCounters(bucketCount: 2, startingAt: 50)
        #expect(window.record(severity: 1, at: 48) == false)
        #expect(window.record(severity: 1, at: 49) == true)
        #expect(window.trailingWindow.total == 1)
    }

    @Test func errorRateOfNothingIsZero() {
        #expect(SeverityCounts().errorRate == 0)
    }
}

@Suite struct ServiceCountersTests {
    func record(_ table: inout ServiceCounters, _ name: String, severity: Int, at tick: Int64 = 0) {
        var name = name
        name.withUTF8 { bytes in
            let raw = UnsafeRawBufferPointer(bytes)
            table.record(service: raw, hash: ServiceCounters.hash(raw), severity: severity, at: tick)
        }
    }

    @Test func servicesAreCountedSeparatelyByName() {
        var table = ServiceCounters(bucketCount: 30)
        record(&table, "payment-api", severity: 3)
        record(&table, "payment-api", severity: 6)
        record(&table, "nginx", severity: 6)
        let byName = Dictionary(uniqueKeysWithValues: table.entries.map { (String(decoding: $0.name, as: UTF8.self), $0.counters.trailingWindow) })
        #expect(byName["payment-api"]?.total == 2)
        #expect(byName["payment-api"]?.errors == 1)
        #expect(byName["nginx"]?.total == 1)
        #expect(table.entries.count == 2)
    }

    @Test func aHashCollisionStillKeepsServicesApart() {
        var table = ServiceCounters(bucketCount: 30)
        for name in ["a", "b", "c"] {
            var name = name
            name.withUTF8 { table.record(service: UnsafeRawBufferPointer($0), hash: 42, severity: 6, at: 0) }
        }
        var again = "b"
        again.withUTF8 { table.record(service: UnsafeRawBufferPointer($0), hash: 42, severity: 6, at: 0) }
        #expect(table.entries.map { String(decoding: $0.name, as: UTF8.self) } == ["a", "b", "c"])
        #expect(table.entries.map { $0.counters.trailingWindow.total } == [1, 2, 1])
    }

    @Test func servicesBeyondTheLimitAreCountedTogether() {
        var table = ServiceCounters(bucketCount: 30, maxServices: 2)
        for name in ["a", "b", "c", "d", "a"] { record(&table, name, severity: 6) }
        let names = table.entries.map { String(decoding: $0.name, as: UTF8.self) }
        #expect(names == ["a", "b", "(other services)"])
        #expect(table.entries.map { $0.counters.trailingWindow.total } == [2, 1, 2])
        #expect(table.overflowedMessages == 2)
    }
}
