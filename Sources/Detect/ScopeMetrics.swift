/// The three quantities baselines learn and rules compare, for one scope over one window.
///
/// Doubles throughout because the baseline side is an average; the current side holds whole
/// counts.
public struct ScopeMetrics: Sendable, Hashable {
    /// Errors (severity ≤ 3) over total, 0 when there were no messages.
    public var errorRate: Double
    /// Messages in the window.
    public var volume: Double
    /// Distinct services that sent at least one message (1 or 0 for a service scope).
    public var serviceCount: Double

    public init(errorRate: Double, volume: Double, serviceCount: Double) {
        self.errorRate = errorRate
        self.volume = volume
        self.serviceCount = serviceCount
    }
}
