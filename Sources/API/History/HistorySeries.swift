import Detect
import Foundation
import Store

/// The thresholds the dashboard draws the baseline band up to: above them the rules alert
/// (`error_spike` needs both the factor and the floor; `volume_spike` the factor).
public struct AlertThresholds: Sendable, Hashable {
    public var errorSpikeFactor: Double
    public var errorSpikeFloor: Double
    public var volumeSpikeFactor: Double

    public init(errorSpikeFactor: Double = 5, errorSpikeFloor: Double = 0.05, volumeSpikeFactor: Double = 3) {
        self.errorSpikeFactor = errorSpikeFactor
        self.errorSpikeFloor = errorSpikeFloor
        self.volumeSpikeFactor = volumeSpikeFactor
    }
}

/// One point of a history series: the minutes of one step summed.
struct HistoryPoint: Sendable, Hashable {
    /// Start of the step, seconds since the epoch (a multiple of the step).
    var at: Int64
    var counts = SeverityCounts()
    /// Sums of the minutes' baselines and how many minutes had one, for the average.
    var baselineVolumeSum = 0.0
    var baselineErrorRateSum = 0.0
    var baselineMinutes = 0
    /// Part of the step is a minute still being counted.
    var partial = false
}

/// Stored (and unwritten) minutes into points of 60, 300 or 3600 seconds: counts are summed,
/// the baseline averaged over the minutes that had one and scaled to the step (messages
/// expected in it). Steps without a minute are absent, so a series has a point exactly where
/// there was traffic.
struct HistorySeries: Sendable {
    static let steps: Set<Int64> = [60, 300, 3600]

    var step: Int64
    var points: [HistoryPoint] = []

    init(step: Int64, minutes: [HistoryMinute], partialMinute: Int64?) {
        self.step = step
        var byStep: [Int64: HistoryPoint] = [:]
        for minute in minutes {
            let at = minute.minute - ((minute.minute % step) + step) % step
            var point = byStep[at] ?? HistoryPoint(at: at)
            point.counts.add(minute.counts)
            if let baseline = minute.baseline {
                point.baselineVolumeSum += baseline.volumePerMinute
                point.baselineErrorRateSum += baseline.errorRate
                point.baselineMinutes += 1
            }
            if minute.minute == partialMinute { point.partial = true }
            byStep[at] = point
        }
        points = byStep.values.sorted { $0.at < $1.at }
    }

    /// `{"at":…,"volume":…,"errors":…,"error_rate":…,"by_severity":[8],"baseline":{…}|null,"partial":…}` each.
    func json(thresholds: AlertThresholds) -> [[String: Any]] {
        points.map { point in
            var object: [String: Any] = [
                "at": Alert.rfc3339(seconds: point.at),
                "volume": point.counts.total,
                "errors": point.counts.errors,
                "error_rate": point.counts.errorRate,
                "by_severity": point.counts.lanes,
                "partial": point.partial,
            ]
            if point.baselineMinutes > 0 {
                let volume = point.baselineVolumeSum / Double(point.baselineMinutes) * Double(step) / 60
                let rate = point.baselineErrorRateSum / Double(point.baselineMinutes)
                object["baseline"] = [
                    "volume": volume, "error_rate": rate,
                    "volume_alert_above": volume * thresholds.volumeSpikeFactor,
                    "error_rate_alert_above": max(rate * thresholds.errorSpikeFactor, thresholds.errorSpikeFloor),
                ]
            } else {
                object["baseline"] = NSNull()
            }
            return object
        }
    }
}
