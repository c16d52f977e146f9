/// The detection engine: on every tick it judges the trailing window against the baselines,
/// and once per completed window it teaches the baselines that window.
///
/// Time is whatever the caller says it is (``DetectionClock``): the receiver passes the wall
/// clock, a replay the messages' own timestamps, so both run this same code and a replay is
/// deterministic. Windows are aligned to the epoch (`[k·window, (k+1)·window)`), so two
/// processes, or two runs of a replay, agree on where windows end.
///
/// Two ways in:
/// - live: ``evaluate(at:window:)`` with a snapshot of the receiver's counters over the trailing
///   window, called at (or just after) each tick boundary;
/// - replay: ``record(service:severity:atNanoseconds:text:)`` per message; the detector keeps its
///   own counters and evaluates every tick that a message's timestamp closes.
///
/// A scope is judged only when the whole trailing window lies in time this detector observed,
/// and only against a baseline of at least ``DetectionConfiguration/minimumWindows`` completed
/// windows — so a (re)start never alerts just because it knows nothing yet.
public struct Detector: Sendable {
    public let configuration: DetectionConfiguration
    /// Per scope, at ``DetectionConfiguration/windowSeconds``. Public so a store can save and
    /// restore them.
    public var baselines: [Scope: Baseline]
    public var cooldown: any CooldownPolicy
    public var samples: SampleMessages
    /// Start (seconds) of the time this detector has watched; windows before it are not judged
    /// and not learned from.
    public private(set) var observedSince: Int64?
    /// End of the last completed window seen (whether or not it was learned from).
    public private(set) var lastCompletedWindowEnd: Int64?
    /// Services active in the last completed window: what `service_change` compares with.
    public private(set) var previousWindowServices: Set<String> = []
    /// When each service was first counted (start of that tick): a service's baseline starts
    /// with the first window it was known for from the start.
    private var firstSeen: [String: Int64] = [:]
    private var ids = AnomalyID()
    private var counters: ServiceCounters
    /// The tick the replay's newest message is in (still open).
    private var replayTick: Int64?

    public init(
        configuration: DetectionConfiguration = DetectionConfiguration(),
        cooldown: (any CooldownPolicy)? = nil,
        baselines: [Baseline] = [],
        observingSince: Int64? = nil
    ) {
        self.configuration = configuration
        self.cooldown = cooldown ?? InMemoryCooldown(cooldownSeconds: configuration.cooldownSeconds)
        self.baselines = Dictionary(baselines.map { ($0.scope, $0) }, uniquingKeysWith: { _, newer in newer })
        self.samples = SampleMessages(capacity: configuration.maximumSamples)
        self.observedSince = observingSince
        self.counters = ServiceCounters(bucketCount: configuration.ticksPerWindow)
    }

    // MARK: Live

    /// Judges the trailing window ending at `clock`'s now; see ``evaluate(at:window:)``.
    public mutating func evaluate(
        clock: some DetectionClock,
        snapshot: [(service: String, counts: SeverityCounts)]
    ) -> [Alert] {
        evaluate(at: clock.secondsSinceEpoch, window: WindowStats(snapshot: snapshot))
    }

    /// One tick: `window` holds the counts of `[now − window, now)`. Judges it against the
    /// baselines (before learning, so a spike is judged against what came before it), then, if
    /// `now` is the first tick at or after a window boundary, learns the window just completed
    /// (which `window` then is — exactly when `now` is on the boundary). Returns the alerts the
    /// cooldown admits, at most one per category.
    public mutating func evaluate(at now: Int64, window stats: WindowStats) -> [Alert] {
        let observedSince = self.observedSince ?? now
        self.observedSince = observedSince
        for (service, counts) in stats.services where counts.total > 0 && firstSeen[service] == nil {
            firstSeen[service] = now - configuration.tickSeconds
        }

        var alerts: [Alert] = []
        if now - configuration.windowSeconds >= observedSince {
            let anomalies = Rules.evaluate(
                stats,
                baselines: baselines,
                previousServices: previousWindowServices,
                configuration: configuration
            )
            alerts = admit(anomalies, at: now)
        }

        let windowEnd = Self.floorDiv(now, configuration.windowSeconds) * configuration.windowSeconds
        if windowEnd > (lastCompletedWindowEnd ?? .min) {
            let windowStart = windowEnd - configuration.windowSeconds
            if windowStart >= observedSince { learn(stats, windowStart: windowStart, windowEnd: windowEnd) }
            lastCompletedWindowEnd = windowEnd
            previousWindowServices = stats.activeServices
        }
        return alerts
    }

    // MARK: Replay

    /// Counts one replayed message and first evaluates every tick its timestamp closes.
    /// `severity` is the syslog severity 0…7; `text`, when given, may be shown as a sample.
    /// A message older than the open tick is still counted if its tick is in the window.
    public mutating func record(service: String, severity: Int, atNanoseconds nanoseconds: Int64, text: String? = nil)
        -> [Alert]
    {
        let alerts = advance(toNanoseconds: nanoseconds)
        let tick = Self.floorDiv(Self.floorDiv(nanoseconds, 1_000_000_000), configuration.tickSeconds)
        var name = service
        name.withUTF8 { bytes in
            let raw = UnsafeRawBufferPointer(bytes)
            counters.record(service: raw, hash: ServiceCounters.hash(raw), severity: severity, at: tick)
        }
        if let text { samples.note(service: service, severity: severity, text: text) }
        return alerts
    }

    /// Moves replay time to `nanoseconds`, evaluating each tick that ends by then (call at the
    /// end of a replay to judge the last ticks). After a silence longer than two windows only
    /// the first window of it is evaluated tick by tick; the rest is skipped, as nothing in it
    /// could differ.
    public mutating func advance(toNanoseconds nanoseconds: Int64) -> [Alert] {
        let tick = Self.floorDiv(Self.floorDiv(nanoseconds, 1_000_000_000), configuration.tickSeconds)
        guard var open = replayTick else {
            replayTick = tick
            if observedSince == nil { observedSince = tick * configuration.tickSeconds }
            return []
        }
        var alerts: [Alert] = []
        let ticksPerWindow = Int64(configuration.ticksPerWindow)
        while open < tick {
            if tick - open > 2 * ticksPerWindow + 1, open > (replayTick ?? open) + ticksPerWindow {
                open = tick - 1
            }
            let stats = replayStats(endingAt: open)
            open += 1
            alerts += evaluate(at: open * configuration.tickSeconds, window: stats)
        }
        replayTick = open
        return alerts
    }

    /// The replay counters over the window ending with `tick` (inclusive).
    private func replayStats(endingAt tick: Int64) -> WindowStats {
        var services: [String: SeverityCounts] = [:]
        services.reserveCapacity(counters.entries.count)
        for entry in counters.entries {
            services[String(decoding: entry.name, as: UTF8.self)] = entry.counters.trailingWindow(endingAt: tick)
        }
        return WindowStats(services: services)
    }

    // MARK: Internals

    /// Learns a completed window: overall, every service that has a baseline (silent ones learn
    /// their silence), and every service known since the window's start.
    private mutating func learn(_ stats: WindowStats, windowStart: Int64, windowEnd: Int64) {
        let alpha = configuration.emaAlpha
        var scopes: [Scope] = [.overall]
        for service in stats.services.keys {
            let scope = Scope.service(service)
            if baselines[scope] != nil || (firstSeen[service] ?? .max) <= windowStart { scopes.append(scope) }
        }
        for scope in scopes {
            var baseline = baselines[scope] ?? Baseline(scope: scope, windowSeconds: configuration.windowSeconds)
            // A restored baseline may already know this window (a replay run twice).
            if let learned = baseline.lastWindowEnd, learned >= windowEnd { continue }
            baseline.update(with: stats, alpha: alpha, windowEnd: windowEnd)
            baselines[scope] = baseline
        }
    }

    /// Groups anomalies by category and lets the cooldown decide which become alerts.
    private mutating func admit(_ anomalies: [Anomaly], at now: Int64) -> [Alert] {
        var alerts: [Alert] = []
        for category in AnomalyCategory.allCases {
            let ofCategory = anomalies.filter { $0.category == category }
            guard !ofCategory.isEmpty, cooldown.admit(category, at: now) else { continue }
            guard var alert = Alert.grouping(ofCategory, id: ids.next(at: now), detectedAt: now, samples: []) else {
                continue
            }
            alert.sampleMessages = samples.samples(for: alert.affectedServices, limit: configuration.maximumSamples)
            alerts.append(alert)
        }
        return alerts
    }

    static func floorDiv(_ value: Int64, _ divisor: Int64) -> Int64 {
        let (quotient, remainder) = value.quotientAndRemainder(dividingBy: divisor)
        return remainder < 0 ? quotient - 1 : quotient
    }
}
