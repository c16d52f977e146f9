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

@Suite struct WindowSizesTests {
    @Test func everyWindowIsSummedFromTheSameBuckets() {
        var ring = WindowCounters(bucketCount: 30, startingAt: 0)
        for tick in Int64(0)..<30 { ring.record(severity: tick >= 24 ? 3 : 6, at: tick, count: 10) }
        let short = ring.trailingWindow(endingAt: 29, ticks: 6)
        let long = ring.trailingWindow(endingAt: 29, ticks: 30)
        #expect(short.total == 60 && short.errors == 60)
        #expect(long.total == 300 && long.errors == 60)
        #expect(ring.trailingWindow(endingAt: 29) == long)
        // More ticks than the ring holds: the ring.
        #expect(ring.trailingWindow(endingAt: 29, ticks: 99) == long)
        // Ending before the newest tick: the buckets up to it.
        #expect(ring.trailingWindow(endingAt: 23, ticks: 6).errors == 0)
    }

    @Test func aWholeTickCanBeSetAndReadBack() {
        var ring = WindowCounters(bucketCount: 3, startingAt: 10)
        var counts = SeverityCounts()
        counts.add(severity: 3, count: 2)
        ring.set(counts, at: 12)
        #expect(ring.counts(atTick: 12) == counts)
        ring.set(counts, at: 12)  // replaced, not added
        #expect(ring.trailingWindow(endingAt: 12).errors == 2)
        #expect(ring.counts(atTick: 9).total == 0)  // outside the ring
        ring.set(counts, at: 5)  // too old: ignored
        #expect(ring.trailingWindow(endingAt: 12).total == 2)
    }
}

@Suite struct TickLedgerTests {
    @Test func replayAndWholeTicksFillTheSameRing() {
        var perMessage = TickLedger(bucketCount: 31, tickSeconds: 10)
        var perTick = TickLedger(bucketCount: 31, tickSeconds: 10)
        for tick in Int64(100)..<130 {
            var counts = SeverityCounts()
            for n in 0..<Int(tick % 7) {
                let severity = n == 0 ? 3 : 6
                perMessage.add(service: "api", severity: severity, atTick: tick)
                counts.add(severity: severity)
            }
            perTick.set(service: "api", counts: counts, atTick: tick)
        }
        for ticks in [6, 30] {
            #expect(perMessage.stats(endingAt: 129, ticks: ticks, serviceMinimum: 1) == perTick.stats(endingAt: 129, ticks: ticks, serviceMinimum: 1))
        }
        #expect(perTick.firstSeen["api"] == 1000)
    }

    @Test func servicesBeyondTheCapAreCountedTogether() {
        var ledger = TickLedger(bucketCount: 6, tickSeconds: 10, maxServices: 2)
        var one = SeverityCounts()
        one.add(severity: 6)
        for name in ["a", "b", "c", "d"] { ledger.set(service: name, counts: one, atTick: 1) }
        let stats = ledger.stats(endingAt: 1, ticks: 6, serviceMinimum: 1)
        #expect(stats.services.count == 3)
        #expect(stats.services[TickLedger.overflowName]?.total == 2)
        #expect(stats.total == 4)
    }
}
