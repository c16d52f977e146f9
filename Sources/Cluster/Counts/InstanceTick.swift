import Detect

/// What one instance counted in one tick, as it flushes it: per service the messages by
/// severity, per (service, template) the occurrences, and the definitions of templates the
/// cluster has not been told about yet.
public struct InstanceTick: Sendable {
    /// Ticks since the epoch (`[tick·T, (tick+1)·T)` seconds).
    public var tick: Int64
    public var services: [(service: String, counts: SeverityCounts)]
    public var templates: [TemplateTickCount]

    public init(tick: Int64, services: [(service: String, counts: SeverityCounts)], templates: [TemplateTickCount] = []) {
        self.tick = tick
        self.services = services
        self.templates = templates
    }
}

/// One service's counts summed over every instance for one tick (what the leader judges).
public struct ClusterTickCounts: Sendable {
    public var tick: Int64
    public var services: [(service: String, counts: SeverityCounts)]
}

/// One (service, template id) summed over the instances for one tick, before the leader maps the
/// id to the cluster's id for that template.
struct TemplateTickSum: Sendable, Hashable {
    var tick: Int64
    var service: String
    var id: UInt64
    var count: Int
    var severity: Int

    struct Key: Hashable {
        var tick: Int64
        var service: String
        var id: UInt64
    }
}

extension SeverityCounts {
    /// Adds the counts at `index` of the eight per-severity lanes (a flushed row's `c0`…`c7`).
    mutating func add(lanes: [[Int32]], at index: Int) {
        for severity in 0..<8 where lanes[severity][index] != 0 {
            add(severity: severity, count: Int(lanes[severity][index]))
        }
    }
}

/// A template as an instance announced it: the id its miner gave it, its text and first example.
struct TemplateDefinition: Sendable, Hashable {
    var service: String
    var id: UInt64
    var text: String
    var example: String
    var severity: Int
    var firstSeen: Int64
}
