import Detect
import Patterns

/// The leader's one set of templates for the whole cluster: every instance mines its own share of
/// the messages and flushes per-tick counts under its own miner's ids; here those ids are mapped
/// to one id per template, the counts summed, and the result judged as one.
///
/// **How ids are reconciled: by service and template text, first announced wins.** A miner's id
/// is a hash of the first message shape it saw for the template, so instances that saw the same
/// first shape agree already; those that saw another shape first give the same template another
/// id. The text (the masked shape with `<*>`) is what the template *is*, so the leader maps every
/// id announced with a text it knows, for the same service, to the id it already has for that
/// text; the others become aliases of it. Among ids announced together, the earliest first
/// sighting (then the smallest id) wins, so any leader given the same announcements picks the
/// same id. Only the leader decides, and it saves each new template (with its aliases) to the
/// `templates` table at once: a leader that takes over loads that table and keeps every id, and
/// every instance restores its miners from it at start, so they give known templates the
/// cluster's id from then on.
///
/// A template is novel for the cluster — what `new_pattern` judges — when the leader first learns
/// its text (from the earliest announcement's first sighting), or when it comes back after
/// ``Configuration/rediscoverySeconds`` of silence across the whole cluster. So a new error seen
/// on three instances is one template, one novel episode, one alert.
public struct ClusterTemplates: Sendable {
    /// The same spans and caps as a shard's tracker: tick, window, rediscovery, templates per
    /// service, samples per service.
    public typealias Configuration = TemplateTracker.Configuration

    struct Key: Hashable, Sendable {
        var service: String
        var id: UInt64
    }

    struct Template: Sendable {
        var text: String
        var example: String
        var severity: Int
        var firstSeen: Int64
        var lastSeen: Int64
        var count: Int
        var aliases: [UInt64]
        var novelSince: Int64?
    }

    public let configuration: Configuration
    private var templates: [Key: Template] = [:]
    /// Every known id (the cluster's, or an alias of it) → the cluster's id.
    private var canonical: [Key: UInt64] = [:]
    private var byText: [String: [String: UInt64]] = [:]
    private var perService: [String: Int] = [:]
    /// Per tick within the window: occurrences per template (cluster ids), replaced whole when a
    /// tick is read again (an instance's late flush).
    private var ticks: [Int64: [Key: Int]] = [:]
    /// Templates created or changed since ``takeChanged()``: what the leader saves next.
    private var changed: Set<Key> = []
    /// Occurrences whose id no announcement explained (counted, not judged).
    public private(set) var unresolvedOccurrences = 0

    public init(configuration: Configuration, restoring saved: [PersistentTemplate] = []) {
        self.configuration = configuration
        for template in saved {
            let key = Key(service: template.service, id: template.id)
            templates[key] = Template(
                text: template.text, example: template.example, severity: template.severity, firstSeen: template.firstSeen,
                lastSeen: template.lastSeen, count: template.count, aliases: template.aliases, novelSince: nil)
            canonical[key] = template.id
            for alias in template.aliases where canonical[Key(service: template.service, id: alias)] == nil {
                canonical[Key(service: template.service, id: alias)] = template.id
            }
            byText[template.service, default: [:]][template.text] = template.id
            perService[template.service, default: 0] += 1
        }
    }

    /// Templates known, all services.
    public var count: Int { templates.count }

    /// The cluster's id for an instance's id, if known.
    public func clusterID(service: String, id: UInt64) -> UInt64? {
        canonical[Key(service: service, id: id)]
    }

    /// Services among `sums` with an id this registry does not know: their announcements must be
    /// read before ``record(tick:sums:)``.
    func servicesWithUnknownIDs(in sums: [TemplateTickSum]) -> [String] {
        var services = Set<String>()
        for sum in sums where canonical[Key(service: sum.service, id: sum.id)] == nil { services.insert(sum.service) }
        return services.sorted()
    }

    /// Learns announced templates: a known id is skipped; a known text makes the id an alias of
    /// the template with that text; otherwise it is a new template, novel since its first sighting.
    mutating func learn(_ definitions: [TemplateDefinition]) {
        let ordered = definitions.sorted { ($0.firstSeen, $0.id) < ($1.firstSeen, $1.id) }
        for definition in ordered {
            let key = Key(service: definition.service, id: definition.id)
            guard canonical[key] == nil else { continue }
            if let id = byText[definition.service]?[definition.text] {
                let target = Key(service: definition.service, id: id)
                canonical[key] = id
                templates[target]?.aliases.append(definition.id)
                if let seen = templates[target]?.firstSeen, definition.firstSeen < seen {
                    templates[target]?.firstSeen = definition.firstSeen
                }
                changed.insert(target)
            } else {
                templates[key] = Template(
                    text: definition.text, example: definition.example, severity: definition.severity,
                    firstSeen: definition.firstSeen, lastSeen: definition.firstSeen, count: 0, aliases: [],
                    novelSince: definition.firstSeen)
                canonical[key] = definition.id
                byText[definition.service, default: [:]][definition.text] = definition.id
                perService[definition.service, default: 0] += 1
                changed.insert(key)
                evictIfFull(service: definition.service)
            }
        }
    }

    /// The occurrences of `tick`, summed over the instances (replacing what was known of that tick).
    mutating func record(tick: Int64, sums: [TemplateTickSum]) {
        var counts: [Key: Int] = [:]
        let seconds = tick * configuration.tickSeconds
        for sum in sums {
            guard let id = canonical[Key(service: sum.service, id: sum.id)] else {
                unresolvedOccurrences += sum.count
                continue
            }
            let key = Key(service: sum.service, id: id)
            counts[key, default: 0] += sum.count
            guard var template = templates[key] else { continue }
            let previous = ticks[tick]?[key] ?? 0
            template.count += max(0, sum.count - previous)
            if seconds - template.lastSeen >= configuration.rediscoverySeconds { template.novelSince = seconds }
            template.lastSeen = max(template.lastSeen, seconds)
            template.severity = min(template.severity, sum.severity)
            templates[key] = template
        }
        ticks[tick] = counts
        let oldest = tick - Int64(configuration.bucketsPerWindow) + 1
        ticks = ticks.filter { $0.key >= oldest - 1 }
    }

    /// The templates' side of the window ending with tick `lastTick`: novel error-level templates
    /// and each service's top templates — what ``Detector`` judges, as a shard's tracker gives it.
    public func window(endingAtTick lastTick: Int64) -> TemplateWindow {
        let first = lastTick - Int64(configuration.bucketsPerWindow) + 1
        var totals: [Key: Int] = [:]
        for (tick, counts) in ticks where tick >= first && tick <= lastTick {
            for (key, count) in counts { totals[key, default: 0] += count }
        }
        let now = (lastTick + 1) * configuration.tickSeconds
        let windowSeconds = Int64(configuration.bucketsPerWindow) * configuration.tickSeconds
        var result = TemplateWindow()
        var top: [String: [TemplateSample]] = [:]
        for (key, count) in totals where count > 0 {
            guard let template = templates[key] else { continue }
            let sample = TemplateSample(
                service: key.service, templateID: TemplateID(rawValue: key.id).description, template: template.text, count: count,
                example: template.example, firstSeen: template.firstSeen, severity: template.severity)
            top[key.service, default: []].append(sample)
            if let since = template.novelSince, since > now - windowSeconds, template.severity <= 3 {
                result.novel.append(NovelTemplate(sample: sample, since: since))
            }
        }
        for (service, samples) in top {
            let sorted = samples.sorted {
                ($0.isError ? 0 : 1, -$0.count, $0.templateID) < ($1.isError ? 0 : 1, -$1.count, $1.templateID)
            }
            result.top[service] = Array(sorted.prefix(configuration.topPerService))
        }
        result.novel.sort { ($0.since, $0.sample.service, $0.sample.templateID) < ($1.since, $1.sample.service, $1.sample.templateID) }
        return result
    }

    /// The templates created or changed since the last call, for the store.
    public mutating func takeChanged() -> [PersistentTemplate] {
        defer { changed = [] }
        return changed.sorted { ($0.service, $0.id) < ($1.service, $1.id) }.compactMap(persistent)
    }

    /// Every template, for the store.
    public var persistentTemplates: [PersistentTemplate] {
        templates.keys.sorted { ($0.service, $0.id) < ($1.service, $1.id) }.compactMap(persistent)
    }

    /// The templates seen since `seconds` (their counts and last sighting moved), for the store.
    public func persistentTemplates(seenSince seconds: Int64) -> [PersistentTemplate] {
        templates.filter { $0.value.lastSeen >= seconds }.keys.sorted { ($0.service, $0.id) < ($1.service, $1.id) }
            .compactMap(persistent)
    }

    private func persistent(_ key: Key) -> PersistentTemplate? {
        guard let template = templates[key] else { return nil }
        return PersistentTemplate(
            service: key.service, id: key.id, text: template.text, count: template.count, firstSeen: template.firstSeen,
            lastSeen: template.lastSeen, severity: template.severity, example: template.example, aliases: template.aliases)
    }

    /// Keeps a service within its cap: the least recently seen templates go (and their aliases).
    private mutating func evictIfFull(service: String) {
        guard perService[service, default: 0] > configuration.maximumTemplatesPerService else { return }
        let keys = templates.keys.filter { $0.service == service }
        let victims = keys.sorted { (templates[$0]?.lastSeen ?? 0, $0.id) < (templates[$1]?.lastSeen ?? 0, $1.id) }
            .prefix(keys.count - configuration.maximumTemplatesPerService)
        for key in victims {
            guard let template = templates.removeValue(forKey: key) else { continue }
            canonical[key] = nil
            for alias in template.aliases { canonical[Key(service: service, id: alias)] = nil }
            byText[service]?[template.text] = nil
            perService[service, default: 1] -= 1
            changed.remove(key)
        }
    }
}
