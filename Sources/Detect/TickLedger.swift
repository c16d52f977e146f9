/// The detector's counts: per service, one bucket per tick over the longest window — the one
/// place every window's trailing sum is taken from, so a 60-s and a 300-s judgement of the same
/// tick always agree on what was counted.
///
/// Filled either per message (a replay: ``add(service:severity:atTick:)``) or per whole tick (the
/// receiver's shards, or — for a cluster — the per-tick counts of every instance summed:
/// ``set(service:counts:atTick:)``). Keyed by the service name as a `String`: the detector runs
/// once per tick, off the receive path, where names are strings already.
struct TickLedger: Sendable {
    let bucketCount: Int
    /// At most this many services are tracked; further ones are counted under
    /// ``ServiceCounters/overflowName`` (the receiver's shards cap their services already; this
    /// bounds a replay of arbitrary input).
    let maxServices: Int
    private(set) var names: [String] = []
    private(set) var counters: [WindowCounters] = []
    private var index: [String: Int] = [:]
    /// When each service was first counted (start of that tick, seconds).
    private(set) var firstSeen: [String: Int64] = [:]
    let tickSeconds: Int64

    static let overflowName = String(decoding: ServiceCounters.overflowName, as: UTF8.self)

    init(bucketCount: Int, tickSeconds: Int64, maxServices: Int = 100_000) {
        self.bucketCount = max(1, bucketCount)
        self.tickSeconds = tickSeconds
        self.maxServices = max(1, maxServices)
    }

    /// Counts one message of `service` at `tick`.
    mutating func add(service: String, severity: Int, atTick tick: Int64) {
        let slot = slot(for: service, tick: tick)
        counters[slot].record(severity: severity, at: tick)
    }

    /// The counts of `service` in `tick` are `counts` (replacing what was known of that tick), or
    /// are added to the overflow entry's when the table is full.
    mutating func set(service: String, counts: SeverityCounts, atTick tick: Int64) {
        let slot = slot(for: service, tick: tick)
        if names[slot] == Self.overflowName, service != Self.overflowName {
            var sum = counters[slot].counts(atTick: tick)
            sum.add(counts)
            counters[slot].set(sum, at: tick)
        } else {
            counters[slot].set(counts, at: tick)
        }
    }

    /// Every service's counts over the `ticks` ticks ending with `tick` (inclusive); services
    /// silent in it are listed with zero counts (a vanished service can be named).
    func stats(endingAt tick: Int64, ticks: Int, serviceMinimum: Int) -> WindowStats {
        var services: [String: SeverityCounts] = [:]
        services.reserveCapacity(names.count)
        for (name, counter) in zip(names, counters) {
            services[name] = counter.trailingWindow(endingAt: tick, ticks: ticks)
        }
        return WindowStats(services: services, serviceMinimum: serviceMinimum)
    }

    /// The counts of `scope` (a service, or all together) in each of the `ticks` ticks ending with
    /// `tick`, oldest first: the spans an error spike is scanned over. Called only for scopes with
    /// enough errors in the window to matter, so summing every service for the overall scope is rare.
    func tickCounts(of scope: Scope, endingAt tick: Int64, ticks: Int) -> [SeverityCounts] {
        let first = tick - Int64(ticks) + 1
        var result = [SeverityCounts](repeating: SeverityCounts(), count: max(0, ticks))
        func add(_ counter: WindowCounters) {
            for offset in result.indices { result[offset].add(counter.counts(atTick: first + Int64(offset))) }
        }
        switch scope {
        case .service(let name):
            if let slot = index[name] { add(counters[slot]) }
        case .overall:
            for counter in counters { add(counter) }
        }
        return result
    }

    /// Whether any message was counted in the `ticks` ticks ending with `tick`.
    func hasMessages(endingAt tick: Int64, ticks: Int) -> Bool {
        counters.contains { $0.trailingWindow(endingAt: tick, ticks: ticks).total > 0 }
    }

    private mutating func slot(for service: String, tick: Int64) -> Int {
        if let slot = index[service] { return slot }
        if names.count >= maxServices, service != Self.overflowName {
            return slot(for: Self.overflowName, tick: tick)
        }
        index[service] = names.count
        names.append(service)
        counters.append(WindowCounters(bucketCount: bucketCount, startingAt: tick))
        firstSeen[service] = tick * tickSeconds
        return names.count - 1
    }
}
