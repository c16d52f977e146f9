import API
import Detect
import Ingest
import Store

/// A single instance's ticks: this process's shards, judged here every tick.
struct ShardTicks: TickSource {
    let shards: ShardSet
    let configuration: DetectionConfiguration

    /// Every tick since the last one the detector was given (all the ring holds at the first
    /// call, or after a stall; none when the wall clock stepped back), up to the one just ended.
    func feed(at boundary: Int64, observed: Int64?) async -> TickFeed {
        let lastTick = boundary / configuration.tickSeconds - 1
        let oldest = lastTick - Int64(configuration.ticksPerWindow) + 1
        let ticks = stride(from: max((observed ?? oldest - 1) + 1, oldest), through: lastTick, by: 1).map {
            (tick: $0, counts: shards.serviceCounts(atTick: $0))
        }
        return .judge(TickBatch(ticks: ticks, templates: shards.templateWindow(endingAtTick: lastTick)))
    }

    /// The running tick, counted as far as it went, is judged early (an incident just before a
    /// restart still raises its alert).
    func finish(at boundary: Int64, observed: Int64?) async -> TickFeed {
        await feed(at: boundary, observed: observed)
    }

    func close(at now: Int64) async {}

    func templatesToStore(pruneBefore: Int64?) -> [PersistentTemplate]? {
        shards.persistentTemplates(pruneBefore: pruneBefore)
    }

    func activity(endingAtTick lastTick: Int64) async -> [ServiceActivity]? { nil }

    func baselinesJudgedElsewhere(at boundary: Int64) async -> [Baseline] { [] }
}
