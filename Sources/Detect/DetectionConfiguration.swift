/// The thresholds and time spans detection runs with.
///
/// Defaults are the original design's (BRIEF "Statistics and detection") where it has one; the
/// minimums of evidence, the windows, incidents and resolution came later and their defaults were
/// chosen by measurement (`benchmarks/detection/README.md`). Every one is configurable so that an
/// operator can tune alert sensitivity without a rebuild. Times are whole seconds: detection never
/// needs finer resolution than a tick, and integers keep replays exact.
public struct DetectionConfiguration: Sendable, Hashable {
    /// The trailing windows every scope is judged on, shortest first, each with baselines of its
    /// own: a short window sees a sharp burst within seconds, a long one sees what builds up.
    public var windows: [Int64]
    /// How often the trailing windows are evaluated; also the counters' bucket width.
    public var tickSeconds: Int64
    /// Weight of the newest window in the exponential moving average.
    public var emaAlpha: Double
    /// Completed windows a scope's baseline must have learned from before any rule may judge it.
    public var minimumWindows: Int
    /// `error_spike` needs at least this many errors in the window: a handful of errors in a
    /// near-silent service is not a spike, whatever its rate.
    public var minimumErrors: Int
    /// `volume_spike` needs at least this many messages in a window of 60 s or more (a shorter
    /// window: its share, at least ``minimumVolumeFloor``; see ``minimumVolume(window:)``): a ratio
    /// against almost nothing (a quiet host's burst of ten lines) is not evidence.
    public var minimumVolume: Int
    /// `volume_spike` and `service_change` judge a baseline only once it has learned this many
    /// completed windows (volumes and service counts need a few windows to mean "usual").
    public var minimumBaselineWindows: Int
    /// A service counts for `service_change` (as active, appeared or vanished) only with at least
    /// this many messages in the window — or, to vanish, that many usually.
    public var minimumServiceMessages: Int
    /// `error_spike` fires when the error rate exceeds this multiple of the baseline rate …
    public var errorSpikeMultiplier: Double
    /// … and also exceeds this absolute rate, so a 0.1 % → 0.6 % blip stays quiet.
    public var errorSpikeFloor: Double
    /// `error_spike` also needs the window's errors to be at most this likely under the baseline
    /// (the Poisson chance of that many errors or more, at the baseline rate — taken as at least
    /// `errorSpikeFloor / errorSpikeMultiplier`): at a few messages per second, a window of 1 %
    /// errors holds five of them by chance several times a day.
    public var errorSpikeSignificance: Double
    /// An error spike is "high" above this rate, "medium" otherwise.
    public var highSeverityErrorRate: Double
    /// The multiplier reported when the baseline rate is zero (a ratio to nothing is infinite,
    /// which JSON cannot carry). The rule itself still fires on the floor alone.
    public var multiplierCap: Double
    /// `volume_spike` fires when messages per window exceed this multiple of the baseline volume.
    public var volumeSpikeMultiplier: Double
    /// `service_change` fires when the distinct-service count differs from its baseline by at least this.
    public var serviceChangeThreshold: Double
    /// After an alert of a category in a scope (a service, or overall), further alerts of that
    /// category in that scope are suppressed this long.
    public var cooldownSeconds: Int64
    /// Alerts within this long of an incident's latest alert join that incident.
    public var correlationSeconds: Int64
    /// An alert is resolved once its rule has not matched its scope on any window for this many
    /// ticks in a row.
    public var resolveAfterTicks: Int
    /// At most this many sample messages (and templates) are attached to an alert.
    public var maximumSamples: Int
    /// `new_pattern` fires when a novel error-level template occurs at least this often within
    /// its first window.
    public var newPatternMinimumCount: Int
    /// A template silent this long counts as novel again when it returns.
    public var patternRediscoverySeconds: Int64
    /// Templates kept per service; the least recently seen are evicted (and counted) beyond it.
    public var maximumTemplatesPerService: Int

    public init(
        windows: [Int64] = [60, 300],
        tickSeconds: Int64 = 5,
        emaAlpha: Double = 0.2,
        minimumWindows: Int = 1,
        minimumErrors: Int = 6,
        minimumVolume: Int = 200,
        minimumBaselineWindows: Int = 3,
        minimumServiceMessages: Int = 5,
        errorSpikeMultiplier: Double = 5,
        errorSpikeFloor: Double = 0.05,
        errorSpikeSignificance: Double = 2e-7,
        highSeverityErrorRate: Double = 0.20,
        multiplierCap: Double = 1000,
        volumeSpikeMultiplier: Double = 3,
        serviceChangeThreshold: Double = 3,
        cooldownSeconds: Int64 = 900,
        correlationSeconds: Int64 = 120,
        resolveAfterTicks: Int = 3,
        maximumSamples: Int = 10,
        newPatternMinimumCount: Int = 5,
        patternRediscoverySeconds: Int64 = 7 * 86_400,
        maximumTemplatesPerService: Int = 1000
    ) {
        precondition(tickSeconds > 0, "a tick lasts at least a second")
        precondition(!windows.isEmpty, "detection needs at least one window")
        for window in windows {
            precondition(window >= tickSeconds, "a window holds at least one tick")
            precondition(window % tickSeconds == 0, "a window is a whole number of ticks")
        }
        self.windows = Array(Set(windows)).sorted()
        self.tickSeconds = tickSeconds
        self.emaAlpha = emaAlpha
        self.minimumWindows = max(1, minimumWindows)
        self.minimumErrors = max(0, minimumErrors)
        self.minimumVolume = max(0, minimumVolume)
        self.minimumBaselineWindows = max(1, minimumBaselineWindows)
        self.minimumServiceMessages = max(1, minimumServiceMessages)
        self.errorSpikeMultiplier = errorSpikeMultiplier
        self.errorSpikeFloor = errorSpikeFloor
        self.errorSpikeSignificance = min(max(errorSpikeSignificance, 0), 1)
        self.highSeverityErrorRate = highSeverityErrorRate
        self.multiplierCap = multiplierCap
        self.volumeSpikeMultiplier = volumeSpikeMultiplier
        self.serviceChangeThreshold = serviceChangeThreshold
        self.cooldownSeconds = cooldownSeconds
        self.correlationSeconds = max(0, correlationSeconds)
        self.resolveAfterTicks = max(1, resolveAfterTicks)
        self.maximumSamples = maximumSamples
        self.newPatternMinimumCount = max(1, newPatternMinimumCount)
        self.patternRediscoverySeconds = max(1, patternRediscoverySeconds)
        self.maximumTemplatesPerService = max(1, maximumTemplatesPerService)
    }

    /// The longest window: the counters' rings cover it, templates count over it, and a
    /// template's novel episode lasts that long.
    public var longestWindow: Int64 { windows.last ?? tickSeconds }

    /// Ticks in the longest window: the number of buckets in each service's ``WindowCounters``.
    public var ticksPerWindow: Int { Int(longestWindow / tickSeconds) }

    /// The least ``minimumVolume(window:)`` asks of a window shorter than 60 s (unless
    /// ``minimumVolume`` itself is lower): a burst of ten lines stays a burst of ten lines.
    public static let minimumVolumeFloor = 20

    /// The messages a `volume_spike` needs in a window of `window` seconds: ``minimumVolume``
    /// (stated per 60 s) in a window of 60 s or more; in a shorter one its share
    /// (`minimumVolume × window / 60`, rounded up), at least ``minimumVolumeFloor``. A 10-s window
    /// (`--window 10`) thus needs 34 messages by default, not 200 — which it would rarely hold.
    public func minimumVolume(window: Int64) -> Int {
        let perMinute = max(1, minimumVolume)
        guard window < 60 else { return perMinute }
        let share = (perMinute * Int(max(1, window)) + 59) / 60
        return max(share, min(perMinute, Self.minimumVolumeFloor))
    }

    /// Ticks in `window`.
    public func ticks(in window: Int64) -> Int { Int(window / tickSeconds) }
}
