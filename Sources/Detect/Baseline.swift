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
    /// the silence.
    public mutating func update(with window: ScopeMetrics, alpha: Double, windowEnd: Int64? = nil) {
        if windowsObserved == 0 {
            errorRate = window.errorRate
            volume = window.volume
            serviceCount = window.serviceCount
        } else {
            if window.volume > 0 { errorRate = alpha * window.errorRate + (1 - alpha) * errorRate }
            volume = alpha * window.volume + (1 - alpha) * volume
            serviceCount = alpha * window.serviceCount + (1 - alpha) * serviceCount
        }
        windowsObserved += 1
        if let windowEnd { lastWindowEnd = windowEnd }
    }

    /// Learns `scope`'s metrics from a completed window's stats.
    public mutating func update(with stats: WindowStats, alpha: Double, windowEnd: Int64? = nil) {
        update(with: stats.metrics(for: scope), alpha: alpha, windowEnd: windowEnd)
    }
}
