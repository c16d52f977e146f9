import Patterns

/// One template's occurrences in one tick, with what the cluster needs to know it by: a cluster's
/// instances flush these per tick and the leader sums them (see the Cluster module).
public struct TemplateTickCount: Sendable, Hashable {
    public var service: String
    /// The id this instance's miner gave the template (``Patterns/TemplateID``'s raw value).
    public var id: UInt64
    public var count: Int
    /// The most severe syslog severity seen with the template so far.
    public var severity: Int
    public var text: String
    public var example: String
    public var firstSeen: Int64

    public init(service: String, id: UInt64, count: Int, severity: Int, text: String, example: String, firstSeen: Int64) {
        self.service = service
        self.id = id
        self.count = count
        self.severity = severity
        self.text = text
        self.example = example
        self.firstSeen = firstSeen
    }
}

extension TemplateTracker {
    /// Every template counted in the one tick `tick`, aliases folded into their survivors first.
    public mutating func tickCounts(atTick tick: Int64) -> [TemplateTickCount] {
        foldAliases()
        var result: [TemplateTickCount] = []
        for service in services {
            for entry in service.entries {
                let count = entry.counts.count(atTick: tick)
                guard count > 0 else { continue }
                result.append(TemplateTickCount(
                    service: service.name, id: entry.id.rawValue, count: count, severity: entry.severity,
                    text: service.miner.template(entry.id)?.text ?? entry.example, example: entry.example, firstSeen: entry.firstSeen))
            }
        }
        return result
    }
}
