/// The thresholds and time spans detection runs with.
///
/// Defaults are the original design's (BRIEF "Statistics and detection"); every one is
/// configurable so that an operator can tune alert sensitivity without a rebuild. Times are whole
/// seconds: detection never needs finer resolution than a tick, and integers keep replays exact.
public struct DetectionConfiguration: Sendable, Hashable {
    /// Length of the trailing window rules look at, and of the windows baselines learn from.
    public var windowSeconds: Int64
    /// How often the trailing window is evaluated; also the counters' bucket width.
    public var tickSeconds: Int64
    /// Weight of the newest window in the exponential moving average.
    public var emaAlpha: Double
    /// Completed windows a scope's baseline must have learned from before any rule may judge it.
    public var minimumWindows: Int
    /// Windows with fewer messages than this are not judged for error or volume spikes: a
    /// near-silent service's first three messages are not a spike. (Not in the original design.)
    public var minimumMessages: Int
    /// `error_spike` fires when the error rate exceeds this multiple of the baseline rate …
    public var errorSpikeMultiplier: Double
    /// … and also exceeds this absolute rate, so a 0.1 % → 0.6 % blip stays quiet.
    public var errorSpikeFloor: Double
    /// An error spike is "high" above this rate, "medium" otherwise.
    public var highSeverityErrorRate: Double
    /// The multiplier reported when the baseline rate is zero (a ratio to nothing is infinite,
    /// which JSON cannot carry). The rule itself still fires on the floor alone.
    public var multiplierCap: Double
    /// `volume_spike` fires when messages per window exceed this multiple of the baseline volume.
    public var volumeSpikeMultiplier: Double
    /// `service_change` fires when the distinct-service count differs from its baseline by at least this.
    public var serviceChangeThreshold: Double
    /// After an alert of a category, further alerts of that category are suppressed this long.
    public var cooldownSeconds: Int64
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
        windowSeconds: Int64 = 300,
        tickSeconds: Int64 = 10,
        emaAlpha: Double = 0.2,
        minimumWindows: Int = 1,
        minimumMessages: Int = 10,
        errorSpikeMultiplier: Double = 5,
        errorSpikeFloor: Double = 0.05,
        highSeverityErrorRate: Double = 0.20,
        multiplierCap: Double = 1000,
        volumeSpikeMultiplier: Double = 3,
        serviceChangeThreshold: Double = 3,
        cooldownSeconds: Int64 = 900,
        maximumSamples: Int = 10,
        newPatternMinimumCount: Int = 5,
        patternRediscoverySeconds: Int64 = 7 * 86_400,
        maximumTemplatesPerService: Int = 1000
    ) {
        precondition(tickSeconds > 0 && windowSeconds >= tickSeconds, "a window holds at least one tick")
        precondition(windowSeconds % tickSeconds == 0, "a window is a whole number of ticks")
        self.windowSeconds = windowSeconds
        self.tickSeconds = tickSeconds
        self.emaAlpha = emaAlpha
        self.minimumWindows = max(1, minimumWindows)
        self.minimumMessages = max(0, minimumMessages)
        self.errorSpikeMultiplier = errorSpikeMultiplier
        self.errorSpikeFloor = errorSpikeFloor
        self.highSeverityErrorRate = highSeverityErrorRate
        self.multiplierCap = multiplierCap
        self.volumeSpikeMultiplier = volumeSpikeMultiplier
        self.serviceChangeThreshold = serviceChangeThreshold
        self.cooldownSeconds = cooldownSeconds
        self.maximumSamples = maximumSamples
        self.newPatternMinimumCount = max(1, newPatternMinimumCount)
        self.patternRediscoverySeconds = max(1, patternRediscoverySeconds)
        self.maximumTemplatesPerService = max(1, maximumTemplatesPerService)
    }

    /// Ticks per window: the number of buckets in each service's ``WindowCounters``.
    public var ticksPerWindow: Int { Int(windowSeconds / tickSeconds) }
}
