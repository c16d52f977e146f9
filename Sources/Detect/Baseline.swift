/// What is normal for one scope at one window size: exponential moving averages of error rate,
/// volume and service count over completed windows.
///
/// An EMA needs no history to be stored, adapts to slow drift, and with α = 0.2 weights roughly
/// the last five windows. The first completed window initialises the averages (rather than
/// averaging against zero, which would make every early window look like a spike). Stored
/// properties are public so that a store can save and restore a baseline as it is.
public struct Baseline: Sendable, Hashable {
    public var scope: Scope
    public var windowSeconds: Int64
    public var errorRate: Double
    /// Messages per window.
    public var volume: Double
    public var serviceCount: Double
    /// Completed windows learned from; rules judge the scope only from
    /// ``DetectionConfiguration/minimumWindows`` on.
    public var windowsObserved: Int
    /// End (seconds since the epoch, exclusive) of the last window learned from.
    public var lastWindowEnd: Int64?

    public init(
        scope: Scope,
        windowSeconds: Int64,
        errorRate: Double = 0,
        volume: Double = 0,
        serviceCount: Double = 0,
        windowsObserved: Int = 0,
        lastWindowEnd: Int64? = nil
    ) {
        self.scope = scope
        self.windowSeconds = windowSeconds
        self.errorRate = errorRate
        self.volume = volume
        self.serviceCount = serviceCount
        self.windowsObserved = windowsObserved
        self.lastWindowEnd = lastWindowEnd
    }

    /// The averages as metrics, for comparisons and alert payloads.
    public var metrics: ScopeMetrics {
        ScopeMetrics(errorRate: errorRate, volume: volume, serviceCount: serviceCount)
    }

    /// Learns one completed window. A window without messages says nothing about the error
    /// rate (0/0), so the rate average is left alone then; volume and service count still learn
    /// the silence. Quantities in `holding` are left as they are (an anomaly in progress is not
    /// taught as normal); the window still counts as observed.
    public mutating func update(with window: ScopeMetrics, alpha: Double, windowEnd: Int64? = nil, holding: Quantities = []) {
        if windowsObserved == 0 {
            errorRate = window.errorRate
            volume = window.volume
            serviceCount = window.serviceCount
        } else {
            if window.volume > 0, !holding.contains(.errorRate) { errorRate = alpha * window.errorRate + (1 - alpha) * errorRate }
            if !holding.contains(.volume) { volume = alpha * window.volume + (1 - alpha) * volume }
            if !holding.contains(.serviceCount) { serviceCount = alpha * window.serviceCount + (1 - alpha) * serviceCount }
        }
        windowsObserved += 1
        if let windowEnd { lastWindowEnd = windowEnd }
    }

    /// Learns `windows` completed windows in which the scope was silent, in one step: what
    /// ``update(with:alpha:windowEnd:)`` would do with each (volume and service count decay, the
    /// error rate stays), so skipping a long silence learns exactly what walking it would.
    public mutating func learnSilence(windows: Int, alpha: Double, windowEnd: Int64) {
        guard windows > 0 else { return }
        if windowsObserved == 0 {
            update(with: ScopeMetrics(errorRate: 0, volume: 0, serviceCount: 0), alpha: alpha, windowEnd: windowEnd)
            learnSilence(windows: windows - 1, alpha: alpha, windowEnd: windowEnd)
            return
        }
        let decay = Self.power(1 - alpha, windows)
        volume *= decay
        serviceCount *= decay
        windowsObserved += windows
        lastWindowEnd = windowEnd
    }

    /// `base` to the `exponent` by squaring (no Foundation `pow`).
    static func power(_ base: Double, _ exponent: Int) -> Double {
        var result = 1.0
        var factor = base
        var remaining = exponent
        while remaining > 0 {
            if remaining & 1 == 1 { result *= factor }
            factor *= factor
            remaining >>= 1
        }
        return result
    }

    /// Learns `scope`'s metrics from a completed window's stats.
    public mutating func update(with stats: WindowStats, alpha: Double, windowEnd: Int64? = nil, holding: Quantities = []) {
        update(with: stats.metrics(for: scope), alpha: alpha, windowEnd: windowEnd, holding: holding)
    }

    /// The averaged quantities, to say which a window must not teach.
    public struct Quantities: OptionSet, Sendable, Hashable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public static let errorRate = Quantities(rawValue: 1)
        public static let volume = Quantities(rawValue: 2)
        public static let serviceCount = Quantities(rawValue: 4)
    }
}
