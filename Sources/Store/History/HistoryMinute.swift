import Detect

/// One minute of one scope's traffic as the history keeps it: the messages per syslog severity
/// (volume, errors and error rate follow from them) and the baseline detection judged against
/// at the end of the minute.
///
/// Minutes are what the dashboard draws and what `GET /services/{name}/history` serves; coarser
/// steps are sums of minutes (``HistorySeries``), so one row per minute is all that is stored.
public struct HistoryMinute: Sendable, Hashable {
    public var scope: Scope
    /// Start of the minute, seconds since the epoch (a multiple of 60).
    public var minute: Int64
    public var counts: SeverityCounts
    /// `nil` until the scope's baseline has learned a window.
    public var baseline: HistoryBaseline?

    public init(scope: Scope, minute: Int64, counts: SeverityCounts, baseline: HistoryBaseline? = nil) {
        self.scope = scope
        self.minute = minute
        self.counts = counts
        self.baseline = baseline
    }

    /// The minute that contains `seconds`.
    public static func start(of seconds: Int64) -> Int64 {
        seconds - ((seconds % 60) + 60) % 60
    }
}

/// A baseline at the scale of one minute, so that it can be drawn against per-minute counts
/// whatever the detection window is.
public struct HistoryBaseline: Sendable, Hashable {
    /// Messages per minute the baseline expects (its volume per window × 60 / window seconds).
    public var volumePerMinute: Double
    public var errorRate: Double

    public init(volumePerMinute: Double, errorRate: Double) {
        self.volumePerMinute = volumePerMinute
        self.errorRate = errorRate
    }

    /// `baseline` scaled from its window to a minute; `nil` while it has learned nothing.
    public init?(_ baseline: Baseline) {
        guard baseline.windowsObserved > 0, baseline.windowSeconds > 0 else { return nil }
        self.init(volumePerMinute: baseline.volume * 60 / Double(baseline.windowSeconds), errorRate: baseline.errorRate)
    }
}

extension SeverityCounts {
    /// Counts from the eight per-severity numbers (lane = severity), as stored.
    public init(bySeverity lanes: [Int]) {
        self.init()
        for (severity, count) in lanes.prefix(8).enumerated() where count != 0 {
            add(severity: severity, count: count)
        }
    }

    /// The eight per-severity numbers, severity 0 (emergency) first.
    public var lanes: [Int] { (0..<8).map { bySeverity[$0] } }
}
