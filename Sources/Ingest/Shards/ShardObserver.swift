/// Sees every batch after its shard has counted it, on that shard's queue — the seam where the
/// tap (`vigil serve --tap`) and, later, template mining and sampling plug in. Implementations
/// must be quick or hand off: they run on the shard's serial queue.
public protocol ShardObserver: Sendable {
    func shard(_ index: Int, didCount batch: ShardBatch)
}
