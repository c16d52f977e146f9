/// Message counts by syslog severity (0 emergency … 7 debug) for one span of time.
///
/// Stored inline (a SIMD vector, not an array) so counting and summing never allocate.
public struct SeverityCounts: Sendable, Hashable {
    /// Lane = severity.
    public private(set) var bySeverity: SIMD8<Int>

    public init() {
        bySeverity = .zero
    }

    public var total: Int { bySeverity.wrappedSum() }
    /// Severity ≤ 3 (error, critical, alert, emergency): what the error rate counts.
    public var errors: Int { bySeverity[0] + bySeverity[1] + bySeverity[2] + bySeverity[3] }
    /// errors / total, 0 when there is nothing.
    public var errorRate: Double { total == 0 ? 0 : Double(errors) / Double(total) }

    public mutating func add(severity: Int, count: Int = 1) {
        bySeverity[severity & 7] &+= count
    }

    public mutating func add(_ other: SeverityCounts) {
        bySeverity &+= other.bySeverity
    }
}
