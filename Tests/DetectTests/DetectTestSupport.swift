@testable import Detect

/// `total` messages of which `errors` at severity 3 (error), the rest at 6 (info).
func counts(total: Int, errors: Int) -> SeverityCounts {
    var counts = SeverityCounts()
    counts.add(severity: 3, count: errors)
    counts.add(severity: 6, count: total - errors)
    return counts
}

/// A baseline that has learned `windows` windows and now averages the given values.
func baseline(
    _ scope: Scope = .overall,
    errorRate: Double = 0.01,
    volume: Double = 1000,
    serviceCount: Double = 5,
    windows: Int = 1
) -> Baseline {
    Baseline(scope: scope, windowSeconds: 300, errorRate: errorRate, volume: volume, serviceCount: serviceCount, windowsObserved: windows)
}

extension DetectionConfiguration {
    /// The defaults with ticks of 10 s (the default was 10 s until the span scan): the tests
    /// written in tens of seconds keep their arithmetic.
    static let tenSecondTicks = DetectionConfiguration(tickSeconds: 10)
}

/// 2024-01-15T00:00:00Z, on a window boundary.
let epochOfTests: Int64 = 1_705_276_800

/// A deterministic pseudo-random sequence (64-bit LCG), so generated logs are the same every run.
struct LCG {
    var state: UInt64
    mutating func next() -> Double {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Double(state >> 11) / Double(1 << 53)
    }
}
