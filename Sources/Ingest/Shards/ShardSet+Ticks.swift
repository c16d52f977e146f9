import Detect

extension ShardSet {
    /// Every template's occurrences in the one tick `tick`, every shard's (none when mining is
    /// off): what a cluster member flushes once per tick, beside ``serviceCounts(atTick:)``.
    public func templateCounts(atTick tick: Int64) -> [TemplateTickCount] {
        shards.flatMap { shard in
            shard.queue.sync { shard.state.templates?.tickCounts(atTick: tick) ?? [] }
        }
    }
}
