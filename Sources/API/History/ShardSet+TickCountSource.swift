import History
import Ingest

/// The history reads each tick's counts from the shards, which own them.
extension ShardSet: TickCountSource {}
