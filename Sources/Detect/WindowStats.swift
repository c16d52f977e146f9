/// Counts over one window (the trailing window on a tick, or a completed window), overall and
/// per service: what the rules judge and the baselines learn from.
public struct WindowStats: Sendable, Hashable {
    /// Counts per service, including services that were silent in this window (total 0), so
    /// that a vanished service can still be named.
    public var services: [String: SeverityCounts]
    /// All services together.
    public private(set) var overall: SeverityCounts
    /// A service counts among ``distinctServices`` (and the overall service count) from this many
    /// messages in the window: a daemon's one line does not make it an active service.
    public var serviceMinimum: Int

    public init(services: [String: SeverityCounts], serviceMinimum: Int = 1) {
        self.services = services
        self.serviceMinimum = max(1, serviceMinimum)
        var sum = SeverityCounts()
        for counts in services.values { sum.add(counts) }
        overall = sum
    }

    /// From a snapshot such as `ShardSet.serviceSnapshot()`; a service listed twice is summed.
    public init(snapshot: [(service: String, counts: SeverityCounts)]) {
        var services: [String: SeverityCounts] = [:]
        for (service, counts) in snapshot { services[service, default: SeverityCounts()].add(counts) }
        self.init(services: services)
    }

    public var total: Int { overall.total }
    public var errors: Int { overall.errors }
    public var errorRate: Double { overall.errorRate }
    /// Messages by severity (lane = severity).
    public var bySeverity: SIMD8<Int> { overall.bySeverity }

    /// Services with at least one message in the window.
    public var activeServices: Set<String> {
        Set(services.lazy.filter { $0.value.total > 0 }.map(\.key))
    }

    /// Services with at least ``serviceMinimum`` messages in the window.
    public var distinctServices: Int { services.values.reduce(0) { $0 + ($1.total >= serviceMinimum ? 1 : 0) } }

    /// The metrics of `scope`; a service not in the window measures as silent.
    public func metrics(for scope: Scope) -> ScopeMetrics {
        switch scope {
        case .overall:
            ScopeMetrics(errorRate: errorRate, volume: Double(total), serviceCount: Double(distinctServices))
        case .service(let name):
            Self.metrics(of: services[name] ?? SeverityCounts())
        }
    }

    /// The counts of `scope`; a service not in the window has none.
    public func counts(for scope: Scope) -> SeverityCounts {
        switch scope {
        case .overall: overall
        case .service(let name): services[name] ?? SeverityCounts()
        }
    }

    static func metrics(of counts: SeverityCounts) -> ScopeMetrics {
        ScopeMetrics(errorRate: counts.errorRate, volume: Double(counts.total), serviceCount: counts.total > 0 ? 1 : 0)
    }
}
