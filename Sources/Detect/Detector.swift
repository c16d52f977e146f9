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
    /// The replay's templates (live, the shards mine and pass a ``TemplateWindow`` per tick).
    public var templates: TemplateTracker
    /// Novel templates already reported (service, template id) and when: one anomaly per episode;
    /// forgotten two windows later, when the episode is long over.
    private var announcedPatterns: [String: Int64] = [:]
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
        self.templates = TemplateTracker(configuration: .init(detection: configuration))
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
    public mutating func evaluate(at now: Int64, window stats: WindowStats, templates window: TemplateWindow = .init())
        -> [Alert]
    {
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
            let patterns = Rules.newPatterns(
                window, stats: stats, baselines: baselines, observedSince: observedSince, configuration: configuration
            ).filter { announce($0, until: now) }
            alerts = admit(anomalies + patterns, templates: window, at: now)
        }

        let windowEnd = Self.floorDiv(now, configuration.windowSeconds) * configuration.windowSeconds
        if windowEnd > (lastCompletedWindowEnd ?? .min) {
            let windowStart = windowEnd - configuration.windowSeconds
            if windowStart >= observedSince { learn(stats, windowStart: windowStart, windowEnd: windowEnd) }
            lastCompletedWindowEnd = windowEnd
            previousWindowServices = stats.activeServices
            announcedPatterns = announcedPatterns.filter { $0.value > windowEnd - 2 * configuration.windowSeconds }
            templates.prune(notSeenSince: windowEnd - configuration.windowSeconds)
        }
        return alerts
    }

    // MARK: Replay

    /// Counts one replayed message and first evaluates every tick its timestamp closes.
    /// `severity` is the syslog severity 0…7; `text`, when given, may be shown as a sample.
    /// A message older than the open tick is still counted if its tick is in the window.
    /// `message`, when given, is mined for templates (its MSG part, without the syslog header).
    public mutating func record(
        service: String, severity: Int, atNanoseconds nanoseconds: Int64, text: String? = nil,
        message: UnsafeRawBufferPointer? = nil
    ) -> [Alert] {
        let alerts = advance(toNanoseconds: nanoseconds)
        let seconds = Self.floorDiv(nanoseconds, 1_000_000_000)
        let tick = Self.floorDiv(seconds, configuration.tickSeconds)
        var name = service
        name.withUTF8 { bytes in
            let raw = UnsafeRawBufferPointer(bytes)
            let hash = ServiceCounters.hash(raw)
            counters.record(service: raw, hash: hash, severity: severity, at: tick)
            if let message {
                templates.record(service: raw, hash: hash, message: message, severity: severity, atSeconds: seconds)
            }
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
            let window = templates.window(endingAtTick: open)
            open += 1
            alerts += evaluate(at: open * configuration.tickSeconds, window: stats, templates: window)
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
    private mutating func admit(_ anomalies: [Anomaly], templates: TemplateWindow, at now: Int64) -> [Alert] {
        var alerts: [Alert] = []
        for category in AnomalyCategory.allCases {
            let ofCategory = anomalies.filter { $0.category == category }
            guard !ofCategory.isEmpty, cooldown.admit(category, at: now) else { continue }
            guard var alert = Alert.grouping(ofCategory, id: ids.next(at: now), detectedAt: now, samples: []) else {
                continue
            }
            alert.samples = Self.templateSamples(for: alert, from: templates, limit: configuration.maximumSamples)
            alert.sampleMessages = samples.samples(for: alert.affectedServices, limit: configuration.maximumSamples)
            if alert.sampleMessages.isEmpty { alert.sampleMessages = alert.samples.map(\.example) }
            alerts.append(alert)
        }
        return alerts
    }

    /// Whether a `new_pattern` anomaly is reported now: once per template and novel episode.
    private mutating func announce(_ anomaly: Anomaly, until now: Int64) -> Bool {
        guard let pattern = anomaly.pattern else { return true }
        let key = pattern.service + "\u{0}" + pattern.templateID
        guard announcedPatterns[key] == nil else { return false }
        announcedPatterns[key] = now
        return true
    }

    /// An alert's samples: the templates of its `new_pattern` anomalies first, then the affected
    /// services' top templates (error level first, most frequent first), services taking turns.
    static func templateSamples(for alert: Alert, from window: TemplateWindow, limit: Int) -> [TemplateSample] {
        var result = alert.anomalies.compactMap(\.pattern)
        let names = alert.affectedServices.isEmpty ? window.top.keys.sorted() : alert.affectedServices
        let lists = names.map { window.top[$0] ?? [] }
        var index = 0
        while result.count < limit, lists.contains(where: { index < $0.count }) {
            for list in lists where index < list.count && result.count < limit
                && !result.contains(where: { $0.templateID == list[index].templateID && $0.service == list[index].service })
            {
                result.append(list[index])
            }
            index += 1
        }
        if alert.affectedServices.isEmpty {
            result.sort { ($0.isError ? 0 : 1, -$0.count) < ($1.isError ? 0 : 1, -$1.count) }
        }
        return Array(result.prefix(limit))
    }

    static func floorMod(_ value: Int64, _ divisor: Int64) -> Int64 {
        let remainder = value % divisor
        return remainder < 0 ? remainder + divisor : remainder
    }

    static func floorDiv(_ value: Int64, _ divisor: Int64) -> Int64 {
        let (quotient, remainder) = value.quotientAndRemainder(dividingBy: divisor)
        return remainder < 0 ? quotient - 1 : quotient
    }
}
