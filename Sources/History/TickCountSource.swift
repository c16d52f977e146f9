import Detect

/// Where the history reads each tick's counts: the receiver's shards in `vigil serve`
/// (`ShardSet` conforms in the executable), a fixed table in tests.
public protocol TickCountSource: Sendable {
    /// Per service, its messages in the ticks `ticks` (both ends included; ticks since the
    /// epoch). Services without any message there may be left out.
    func serviceCounts(ticks: ClosedRange<Int64>) -> [(service: String, counts: SeverityCounts)]
}
