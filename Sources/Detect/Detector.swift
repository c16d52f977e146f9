/// The detection engine: on every tick it judges each trailing window (``DetectionConfiguration/windows``,
/// default 60 s and 300 s) against that window size's own baselines, turns what matched into
/// alerts (one per category and scope, after cooldown), says which earlier alerts are over, and
/// once per completed window of each size teaches that size's baselines that window.
///
/// Time is whatever the caller says it is (``DetectionClock``): the receiver passes the wall
/// clock, a replay the messages' own timestamps, so both run this same code and a replay is
/// deterministic. Windows are aligned to the epoch (`[k·window, (k+1)·window)`), so two
/// processes, or two runs of a replay, agree on where windows end.
///
/// **The seam: counts per tick and service.** Everything the detector judges is the per-service
/// counts of whole ticks, kept in one ring over the longest window (``TickLedger``), from which
/// every window's trailing sum is taken. Three callers fill it:
/// - live: at each tick boundary the receiver's shards hand over the tick just ended
///   (``observe(tick:counts:)``), then ``evaluate(at:templates:)`` judges;
/// - a cluster (several instances on one PostgreSQL): the leader passes, per tick and service,
///   the counts every instance recorded, summed — the same two calls, nothing else changes;
/// - replay: ``record(service:severity:atNanoseconds:text:message:)`` counts each message into
///   the same ring and evaluates every tick its timestamp closes.
///
/// A window is judged only when it lies wholly in time this detector observed, and only against
/// a baseline of at least ``DetectionConfiguration/minimumWindows`` completed windows — so a
/// (re)start never alerts just because it knows nothing yet.
public struct Detector: Sendable {
    public let configuration: DetectionConfiguration
    /// Per window size, per scope. Restored from and saved to the store.
    public internal(set) var baselinesByWindow: [Int64: [Scope: Baseline]]
    public var cooldown: any CooldownPolicy
    public var samples: SampleMessages
    /// The replay's templates (live, the shards mine and pass a ``TemplateWindow`` per tick).
    public var templates: TemplateTracker
    /// Keys whose rule matched recently: what resolution watches.
    public internal(set) var conditions: ActiveConditions
    /// Keys this detector raised an alert for (its cooldown admitted one) in their current
    /// episode: one alert per episode, however long it lasts; forgotten when the key resolves.
    var raised: Set<AlertKey> = []
    /// Services a `service_change` in progress names as vanished: their silence is the anomaly,
    /// so their baselines do not learn it (and their return is not a volume spike).
    var vanishing: Set<String> = []
    /// Per window size, scopes whose volume rose past ``risingRatio`` × baseline and for how many
    /// windows in a row that rise has not been learned (see ``volumeHeldWhileRising(_:size:stats:)``).
    var rising: [Int64: [Scope: Int]] = [:]
    /// Keys whose current episode began inside their cooldown, and when the cooldown refused
    /// them: a repeat stays silent unless it outlasts a whole cooldown of its own.
    var refused: [AlertKey: Int64] = [:]
    /// Novel templates already reported (service, template id) and when: one anomaly per episode;
    /// forgotten two windows later, when the episode is long over.
    private var announcedPatterns: [String: Int64] = [:]
    /// Start (seconds) of the time this detector has watched; windows before it are not judged
    /// and not learned from.
    public internal(set) var observedSince: Int64?
    /// Per window size, the end of the last completed window seen (learned from or not).
    public internal(set) var lastCompletedWindowEnd: [Int64: Int64] = [:]
    private var ids = AnomalyID()
    var ledger: TickLedger
    /// The tick the replay's newest message is in (still open).
    var replayTick: Int64?

    public init(
        configuration: DetectionConfiguration = DetectionConfiguration(),
        cooldown: (any CooldownPolicy)? = nil,
        baselines: [Baseline] = [],
        observingSince: Int64? = nil
    ) {
        self.configuration = configuration
        self.cooldown = cooldown ?? InMemoryCooldown(cooldownSeconds: configuration.cooldownSeconds)
        var byWindow: [Int64: [Scope: Baseline]] = [:]
        for baseline in baselines where configuration.windows.contains(baseline.windowSeconds) {
            byWindow[baseline.windowSeconds, default: [:]][baseline.scope] = baseline
        }
        self.baselinesByWindow = byWindow
        self.samples = SampleMessages(capacity: configuration.maximumSamples)
        self.observedSince = observingSince
        self.ledger = TickLedger(bucketCount: configuration.ticksPerWindow + 1, tickSeconds: configuration.tickSeconds)
        self.templates = TemplateTracker(configuration: .init(detection: configuration))
        self.conditions = ActiveConditions(resolveAfter: configuration.resolveAfterTicks)
    }

    /// Every baseline, all window sizes (for the store), by window then scope.
    public var baselines: [Baseline] {
        baselinesByWindow.keys.sorted().flatMap { window in
            (baselinesByWindow[window] ?? [:]).values.sorted { $0.scope < $1.scope }
        }
    }

    /// The baseline of `scope` at `window` seconds (default: the longest window).
    public func baseline(_ scope: Scope, window: Int64? = nil) -> Baseline? {
        baselinesByWindow[window ?? configuration.longestWindow]?[scope]
    }

    /// Keys of alerts still unresolved in the store (a previous run's): they are resolved like the
    /// detector's own once their rule has been quiet long enough.
    public mutating func trackUnresolved(_ keys: some Sequence<AlertKey>) {
        conditions.track(keys)
    }

    // MARK: The seam: whole ticks in

    /// The counts of tick `tick` (ticks since the epoch), per service, replacing what was known of
    /// that tick: services not listed counted nothing in it. Call for each tick before the
    /// ``evaluate(at:templates:)`` that closes it.
    public mutating func observe(tick: Int64, counts: some Sequence<(service: String, counts: SeverityCounts)>) {
        for (service, tickCounts) in counts {
            ledger.set(service: service, counts: tickCounts, atTick: tick)
        }
    }

    // MARK: Judging

    /// One tick boundary, `now` (seconds): judges every window ending at `now` — each against its
    /// own baselines, before learning, so a spike is judged against what came before it — then
    /// learns each window size's window just completed, if `now` completes one. Returns the
    /// resolutions first, then the alerts the cooldown admits (see ``admit(_:templates:at:)`` for
    /// how anomalies become alerts).
    public mutating func evaluate(at now: Int64, templates window: TemplateWindow = .init()) -> DetectionOutput {
        let observedSince = self.observedSince ?? now
        self.observedSince = observedSince
        let lastTick = Self.floorDiv(now, configuration.tickSeconds) - 1
        var anomalies: [Anomaly] = []
        var judged: [Int64: WindowStats] = [:]
        for size in configuration.windows where now - size >= observedSince {
            let ticks = configuration.ticks(in: size)
            let stats = ledger.stats(endingAt: lastTick, ticks: ticks, serviceMinimum: configuration.minimumServiceMessages)
            // The shortest window is also scanned span by span for a burst that began within it.
            let scanned = size == configuration.windows.first && ticks > 1
            anomalies += Rules.evaluate(
                stats, baselines: baselinesByWindow[size] ?? [:], configuration: configuration,
                rateBaselines: scanned ? baselinesByWindow[configuration.longestWindow] ?? [:] : [:]
            ) { [ledger] scope in
                scanned ? ledger.tickCounts(of: scope, endingAt: lastTick, ticks: ticks) : []
            }
            judged[size] = stats
        }
        var patterns: [Anomaly] = []
        if let longest = judged[configuration.longestWindow] {
            patterns = Rules.newPatterns(
                window, stats: longest, baselines: baselinesByWindow[configuration.longestWindow] ?? [:],
                observedSince: observedSince, configuration: configuration)
        }
        let resolutions = conditions.tick(
            matched: Set((anomalies + patterns).map(\.key)), judged: judged.count == configuration.windows.count, at: now)
        for resolution in resolutions {
            raised.remove(resolution.key)
            refused[resolution.key] = nil
            if resolution.key == AlertKey(.serviceChange, .overall) { vanishing = [] }
        }
        for anomaly in anomalies where anomaly.category == .serviceChange { vanishing.formUnion(anomaly.vanishedServices) }
        let alerts = admit(anomalies + patterns.filter { announce($0, until: now) }, templates: window, at: now)
        learn(at: now, observedSince: observedSince, judged: judged)
        return DetectionOutput(resolutions: resolutions, alerts: alerts)
    }

    // MARK: Learning

    /// Learns, for each window size, the window that `now` completes (if any): the window just
    /// judged when `now` is its end, else taken from the ring (the exact window even when `now`
    /// is a little past its end).
    private mutating func learn(at now: Int64, observedSince: Int64, judged: [Int64: WindowStats]) {
        for size in configuration.windows {
            let windowEnd = Self.floorDiv(now, size) * size
            guard windowEnd > (lastCompletedWindowEnd[size] ?? .min) else { continue }
            lastCompletedWindowEnd[size] = windowEnd
            if size == configuration.longestWindow { forgetOldPatterns(before: windowEnd) }
            let windowStart = windowEnd - size
            guard windowStart >= observedSince else { continue }
            let stats = (windowEnd == now ? judged[size] : nil) ?? ledger.stats(
                endingAt: Self.floorDiv(windowEnd, configuration.tickSeconds) - 1, ticks: configuration.ticks(in: size),
                serviceMinimum: configuration.minimumServiceMessages)
            for scope in learningScopes(size: size, windowStart: windowStart) {
                var baseline = baselinesByWindow[size]?[scope] ?? Baseline(scope: scope, windowSeconds: size)
                // A restored baseline may already know this window (a replay run twice).
                if let learned = baseline.lastWindowEnd, learned >= windowEnd { continue }
                var held = holding(scope, at: now)
                if !held.contains(.volume), volumeHeldWhileRising(baseline, size: size, stats: stats) { held.insert(.volume) }
                baseline.update(with: stats, alpha: configuration.emaAlpha, windowEnd: windowEnd, holding: held)
                baselinesByWindow[size, default: [:]][scope] = baseline
            }
        }
    }

    /// A rise above this multiple of the baseline volume is not learned at once (see below).
    static let risingRatio = 1.5
    /// How many windows in a row a rise is kept from the baseline before it is accepted as the new
    /// normal.
    static let risingWindowsHeld = 3

    /// Whether the window just completed must not teach `baseline` its volume because the volume
    /// is rising: above ``risingRatio`` × the baseline (with at least the window's minimum volume),
    /// for at most ``risingWindowsHeld`` windows in a row (then the rise is learned until the
    /// volume is back under the ratio).
    ///
    /// Why: a step up in volume usually straddles a window boundary. The window that holds its
    /// first seconds is judged below the volume rule's 3× and, learned, raises the baseline by a
    /// fifth of the rise — enough that the next, fully risen window no longer reaches 3× (a 4×
    /// step of one service went unalerted this way). Held, the risen window is judged against
    /// the baseline from before the step. A lasting change is learned after the held windows.
    mutating func volumeHeldWhileRising(_ baseline: Baseline, size: Int64, stats: WindowStats) -> Bool {
        let scope = baseline.scope
        let volume = stats.metrics(for: scope).volume
        guard baseline.windowsObserved >= configuration.minimumBaselineWindows,
            volume >= Double(configuration.minimumVolume(window: size)),
            volume > Self.risingRatio * baseline.volume
        else {
            rising[size]?[scope] = nil
            return false
        }
        // Held long enough: learned from now on, until the volume is back under the ratio.
        let held = rising[size]?[scope] ?? 0
        guard held < Self.risingWindowsHeld else { return false }
        rising[size, default: [:]][scope] = held + 1
        return true
    }

    /// How long an anomaly in progress keeps its scope's baselines from learning the quantity it
    /// is about. While an error spike lasts, the error rate it raised is not taught as normal —
    /// otherwise a long burst becomes its own baseline within minutes, stops matching and is
    /// "resolved" while still going on. After this long a lasting change is accepted as the new
    /// normal (and its alert resolves).
    static let longestLearningPause: Int64 = 3600

    /// The quantities of `scope` a completed window must not teach now: those whose rule has an
    /// episode in progress for the scope, and a vanished service's volume while the
    /// `service_change` naming it lasts — each for at most ``longestLearningPause``.
    func holding(_ scope: Scope, at now: Int64) -> Baseline.Quantities {
        var held: Baseline.Quantities = []
        func inProgress(_ key: AlertKey) -> Bool {
            guard conditions.isActive(key) else { return false }
            guard let start = conditions.episodeStart(of: key) else { return true }
            return start >= now - Self.longestLearningPause
        }
        let pairs: [(AnomalyCategory, Baseline.Quantities)] = [(.errorSpike, .errorRate), (.volumeSpike, .volume), (.serviceChange, .serviceCount)]
        for (category, quantity) in pairs where inProgress(AlertKey(category, scope)) { held.insert(quantity) }
        if let service = scope.service, vanishing.contains(service), inProgress(AlertKey(.serviceChange, .overall)) {
            held.formUnion([.volume, .serviceCount])
        }
        return held
    }

    /// The scopes a completed window of `size` teaches: overall, every service that has a
    /// baseline at that size (silent ones learn their silence), and every service known since the
    /// window's start (one first seen in the middle of it did not have a whole window).
    func learningScopes(size: Int64, windowStart: Int64) -> [Scope] {
        var scopes: [Scope] = [.overall]
        let known = baselinesByWindow[size] ?? [:]
        for service in ledger.names {
            let scope = Scope.service(service)
            if known[scope] != nil || (ledger.firstSeen[service] ?? .max) <= windowStart { scopes.append(scope) }
        }
        return scopes
    }

    /// Once per longest window: forgets announced patterns whose episode is long over and the
    /// bookkeeping of templates the miners evicted.
    mutating func forgetOldPatterns(before windowEnd: Int64) {
        announcedPatterns = announcedPatterns.filter { $0.value > windowEnd - 2 * configuration.longestWindow }
        templates.prune(notSeenSince: windowEnd - configuration.longestWindow)
    }

    /// Whether a `new_pattern` anomaly is reported now: once per template and novel episode.
    private mutating func announce(_ anomaly: Anomaly, until now: Int64) -> Bool {
        guard let pattern = anomaly.pattern else { return true }
        let key = pattern.service + "\u{0}" + pattern.templateID
        guard announcedPatterns[key] == nil else { return false }
        announcedPatterns[key] = now
        return true
    }

    mutating func nextID(at now: Int64) -> String { ids.next(at: now) }

    static func floorMod(_ value: Int64, _ divisor: Int64) -> Int64 {
        let remainder = value % divisor
        return remainder < 0 ? remainder + divisor : remainder
    }

    static func floorDiv(_ value: Int64, _ divisor: Int64) -> Int64 {
        let (quotient, remainder) = value.quotientAndRemainder(dividingBy: divisor)
        return remainder < 0 ? quotient - 1 : quotient
    }
}
