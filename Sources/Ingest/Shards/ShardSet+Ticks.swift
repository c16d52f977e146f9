import Detect

extension ShardSet {
    /// Every service's counts in the one tick `tick` (ticks since the epoch), read on each
    /// shard's queue. Services silent in that tick are left out; a tick older than the ring has
    /// nothing. What a cluster member flushes once per tick.
    public func serviceCounts(atTick tick: Int64) -> [(service: String, counts: SeverityCounts)] {
        shards.flatMap { shard in
            shard.queue.sync {
                shard.state.counters.entries.compactMap { entry in
                    let counts = entry.counters.counts(atTick: tick)
                    return counts.total > 0 ? (String(decoding: entry.name, as: UTF8.self), counts) : nil
                }
            }
        }
    }

    /// Every template's occurrences in the one tick `tick`, every shard's (none when mining is off).
    public func templateCounts(atTick tick: Int64) -> [TemplateTickCount] {
        shards.flatMap { shard in
            shard.queue.sync { shard.state.templates?.tickCounts(atTick: tick) ?? [] }
        }
    }
}
