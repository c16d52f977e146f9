import Detect

extension ShardSet {
    /// Per service, its messages in the ticks `ticks` (both ends included), read on each
    /// shard's queue; services without any there are left out. What the per-minute history
    /// records, one tick at a time as ticks end.
    public func serviceCounts(ticks: ClosedRange<Int64>) -> [(service: String, counts: SeverityCounts)] {
        shards.flatMap { shard in
            shard.queue.sync {
                shard.state.counters.entries.compactMap { entry -> (service: String, counts: SeverityCounts)? in
                    guard entry.counters.newestTick >= ticks.lowerBound else { return nil }
                    let counts = entry.counters.counts(ticks: ticks)
                    return counts.total > 0 ? (String(decoding: entry.name, as: UTF8.self), counts) : nil
                }
            }
        }
    }
}
