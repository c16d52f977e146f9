import Detect
import Store

/// The leader's detector over the cluster's summed counts: a ``Detector`` fed whole ticks. The
/// counts of each tick replace what was known of it (a member's late flush corrects a tick
/// already judged, for the ticks still to come); the detector judges the trailing window.
public struct ClusterJudge: Sendable {
    private var detector: Detector
    private var ledger: [String: WindowCounters] = [:]
    private let configuration: DetectionConfiguration

    public init(configuration: DetectionConfiguration, baselines: [Baseline], observedSince: Int64) {
        self.configuration = configuration
        detector = Detector(
            configuration: configuration, cooldown: InMemoryCooldown(cooldownSeconds: configuration.cooldownSeconds),
            baselines: baselines, observingSince: observedSince)
    }

    /// Resumes from the database: the baselines the previous leader saved, judging once the
    /// window lies in time the cluster's counts cover (`observedSince`, seconds).
    public static func resume(store: any VigilStore, configuration: DetectionConfiguration, observedSince: Int64) async throws -> ClusterJudge {
        let baselines = try await store.loadBaselines(windowSeconds: configuration.windowSeconds)
        return ClusterJudge(configuration: configuration, baselines: baselines, observedSince: observedSince)
    }

    public var baselines: [Baseline] { Array(detector.baselines.values) }
    public var lastCompletedWindowEnd: Int64? { detector.lastCompletedWindowEnd }

    /// Takes the ticks in, then judges the boundary `now`.
    public mutating func judge(_ input: LeaderTick, at now: Int64) -> [Alert] {
        let buckets = configuration.ticksPerWindow
        for tick in input.ticks {
            let listed = Dictionary(tick.services.map { ($0.service, $0.counts) }, uniquingKeysWith: { first, _ in first })
            for name in Array(ledger.keys) where listed[name] == nil { ledger[name]?.set(SeverityCounts(), at: tick.tick) }
            for (name, counts) in listed {
                ledger[name, default: WindowCounters(bucketCount: buckets, startingAt: tick.tick)].set(counts, at: tick.tick)
            }
        }
        let lastTick = now / configuration.tickSeconds - 1
        let window = WindowStats(services: ledger.mapValues { $0.trailingWindow(endingAt: lastTick) })
        return detector.evaluate(at: now, window: window, templates: input.templates)
    }
}
