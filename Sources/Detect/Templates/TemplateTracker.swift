import Patterns

/// Message templates per service, with what detection needs to know about each: when it was
/// first and last seen, how often it occurred per tick over the window, its worst severity, one
/// example — and whether it is *novel* (in its first window since it appeared, or reappeared
/// after a long silence).
///
/// One tracker per owner of services: each shard owns one for its services (live), the
/// ``Detector`` one for a replay. Not shared, not locked: the owner's serial queue confines it.
/// Services are keyed by the same 64-bit hash as ``ServiceCounters``; a message whose service
/// collides with a different name of the same hash is not mined (counted in ``collisions``).
public struct TemplateTracker: Sendable {
    public struct Configuration: Sendable, Hashable {
        public var tickSeconds: Int64
        public var bucketsPerWindow: Int
        /// A template silent this long is novel again when it comes back.
        public var rediscoverySeconds: Int64
        /// Templates kept per service (the miner evicts the least recently seen beyond it).
        public var maximumTemplatesPerService: Int
        /// Templates per service reported as samples on each tick.
        public var topPerService: Int

        public init(
            tickSeconds: Int64, bucketsPerWindow: Int, rediscoverySeconds: Int64 = 7 * 86_400,
            maximumTemplatesPerService: Int = 1000, topPerService: Int = 5
        ) {
            self.tickSeconds = max(1, tickSeconds)
            self.bucketsPerWindow = max(1, bucketsPerWindow)
            self.rediscoverySeconds = max(1, rediscoverySeconds)
            self.maximumTemplatesPerService = max(1, maximumTemplatesPerService)
            self.topPerService = max(0, topPerService)
        }

        public init(detection: DetectionConfiguration) {
            self.init(
                tickSeconds: detection.tickSeconds, bucketsPerWindow: detection.ticksPerWindow,
                rediscoverySeconds: detection.patternRediscoverySeconds,
                maximumTemplatesPerService: detection.maximumTemplatesPerService,
                topPerService: detection.maximumSamples)
        }

        var windowSeconds: Int64 { tickSeconds * Int64(bucketsPerWindow) }
    }

    struct Entry: Sendable {
        var firstSeen: Int64
        var lastSeen: Int64
        /// Start of the current novel episode, if any (it lasts one window).
        var novelSince: Int64?
        var counts: TickCounts
        var example: String
        var severity: Int
    }

    struct ServiceTemplates: Sendable {
        var name: String
        var miner: TemplateMiner
        var entries: [TemplateID: Entry] = [:]
    }

    public let configuration: Configuration
    var services: [UInt64: ServiceTemplates] = [:]
    /// Messages not mined because their service's hash belongs to another name.
    public private(set) var collisions = 0

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Templates tracked across all services.
    public private(set) var templateCount = 0
    /// Templates the miners evicted to stay within their caps.
    public private(set) var evictedCount = 0

    /// Mines one message: assigns its text to a template of its service and counts it at `seconds`.
    public mutating func record(
        service: UnsafeRawBufferPointer, hash: UInt64, message: UnsafeRawBufferPointer, severity: Int, atSeconds seconds: Int64
    ) {
        if let name = services[hash]?.name {
            guard name.utf8.elementsEqual(service) else {
                collisions += 1
                return
            }
        } else {
            services[hash] = ServiceTemplates(
                name: String(decoding: service, as: UTF8.self), miner: TemplateMiner(configuration: minerConfiguration))
        }
        // Modified in place (no copy of the service's dictionaries).
        let (added, evicted) = services[hash]!.record(
            message: message, severity: severity, seconds: seconds, configuration: configuration)
        templateCount += added
        evictedCount += evicted
    }

    /// Convenience for a service name as a `String` (replays, tests).
    public mutating func record(service: String, message: String, severity: Int, atSeconds seconds: Int64) {
        var service = service
        var message = message
        service.withUTF8 { name in
            message.withUTF8 { text in
                let raw = UnsafeRawBufferPointer(name)
                record(service: raw, hash: ServiceCounters.hash(raw), message: UnsafeRawBufferPointer(text), severity: severity,
                       atSeconds: seconds)
            }
        }
    }

    /// The templates' side of the trailing window ending with tick `lastTick` (inclusive): novel
    /// error-level templates and each service's top templates.
    public mutating func window(endingAtTick lastTick: Int64) -> TemplateWindow {
        foldAliases()
        let now = (lastTick + 1) * configuration.tickSeconds
        var result = TemplateWindow()
        for service in services.values {
            var top: [TemplateSample] = []
            for (id, entry) in service.entries {
                let count = entry.counts.trailingWindow(endingAt: lastTick)
                guard count > 0 else { continue }
                let sample = service.sample(id: id, entry: entry, count: count)
                top.append(sample)
                if let since = entry.novelSince, since > now - configuration.windowSeconds, entry.severity <= 3 {
                    result.novel.append(NovelTemplate(sample: sample, since: since))
                }
            }
            guard !top.isEmpty else { continue }
            top.sort { ($0.isError ? 0 : 1, -$0.count, $0.templateID) < ($1.isError ? 0 : 1, -$1.count, $1.templateID) }
            result.top[service.name] = Array(top.prefix(configuration.topPerService))
        }
        result.novel.sort { ($0.since, $0.sample.service, $0.sample.templateID) < ($1.since, $1.sample.service, $1.sample.templateID) }
        return result
    }

    /// Forgets the bookkeeping of templates the miners evicted and that were not seen since
    /// `seconds`; call once per window so memory follows the miners' caps.
    public mutating func prune(notSeenSince seconds: Int64) {
        foldAliases()
        for hash in services.keys {
            let before = services[hash]!.entries.count
            services[hash]!.prune(notSeenSince: seconds)
            templateCount -= before - services[hash]!.entries.count
        }
    }

    /// Merges the bookkeeping of templates the miners folded into others (their ids became
    /// aliases) into the template that absorbed them.
    public mutating func foldAliases() {
        for hash in services.keys {
            let before = services[hash]!.entries.count
            services[hash]!.foldAliases()
            templateCount -= before - services[hash]!.entries.count
        }
    }

    // MARK: Persistence

    /// Every template with its bookkeeping, for the store (ids stay stable across restarts).
    public var persistentTemplates: [PersistentTemplate] {
        services.values.flatMap { service in
            service.entries.compactMap { id, entry in
                guard let mined = service.miner.template(id) else { return nil }
                return PersistentTemplate(
                    service: service.name, id: id.rawValue, text: mined.text, count: mined.count, firstSeen: entry.firstSeen,
                    lastSeen: entry.lastSeen, severity: entry.severity, example: entry.example,
                    aliases: mined.aliases.map(\.rawValue))
            }
        }
        .sorted { ($0.service, $0.id) < ($1.service, $1.id) }
    }

    /// Restores templates a previous run saved: the miners know them (same ids), so they are not
    /// novel when they occur again.
    public mutating func restore(_ templates: [PersistentTemplate]) {
        let byService = Dictionary(grouping: templates, by: \.service)
        for (name, saved) in byService {
            let hash = ServiceCounters.hash(name)
            var service = ServiceTemplates(
                name: name,
                miner: TemplateMiner(
                    configuration: minerConfiguration,
                    restoring: saved.map {
                        MinedTemplate(
                            id: TemplateID(rawValue: $0.id), text: $0.text, count: $0.count,
                            aliases: $0.aliases.map(TemplateID.init(rawValue:)))
                    }))
            for template in saved {
                service.entries[TemplateID(rawValue: template.id)] = Entry(
                    firstSeen: template.firstSeen, lastSeen: template.lastSeen, novelSince: nil,
                    counts: TickCounts(bucketCount: configuration.bucketsPerWindow, tick: Detector.floorDiv(template.lastSeen, configuration.tickSeconds)),
                    example: template.example, severity: template.severity)
            }
            templateCount += service.entries.count - (services[hash]?.entries.count ?? 0)
            services[hash] = service
        }
    }

    private var minerConfiguration: TemplateMiner.Configuration {
        var miner = TemplateMiner.Configuration()
        miner.maximumTemplates = configuration.maximumTemplatesPerService
        return miner
    }
}

/// A template in its novel episode: what `new_pattern` judges.
public struct NovelTemplate: Sendable, Hashable {
    public var sample: TemplateSample
    /// When the episode began: first seen, or seen again after a long silence.
    public var since: Int64

    public init(sample: TemplateSample, since: Int64) {
        self.sample = sample
        self.since = since
    }
}

/// A template as the store keeps it.
public struct PersistentTemplate: Sendable, Hashable {
    public var service: String
    public var id: UInt64
    public var text: String
    public var count: Int
    public var firstSeen: Int64
    public var lastSeen: Int64
    public var severity: Int
    public var example: String
    /// Ids of templates folded into this one: messages that once had them still find it.
    public var aliases: [UInt64]

    public init(
        service: String, id: UInt64, text: String, count: Int, firstSeen: Int64, lastSeen: Int64, severity: Int, example: String,
        aliases: [UInt64] = []
    ) {
        self.aliases = aliases
        self.service = service
        self.id = id
        self.text = text
        self.count = count
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.severity = severity
        self.example = example
    }
}

extension TemplateTracker.ServiceTemplates {
    /// Returns the templates added to the bookkeeping and the miner's evictions by this call.
    mutating func record(
        message: UnsafeRawBufferPointer, severity: Int, seconds: Int64, configuration: TemplateTracker.Configuration
    ) -> (added: Int, evicted: Int) {
        let tick = Detector.floorDiv(seconds, configuration.tickSeconds)
        let evictedBefore = miner.evictedCount
        let (id, isNew) = miner.add(message)
        var added = 0
        let index: Dictionary<TemplateID, TemplateTracker.Entry>.Index
        if let found = entries.index(forKey: id) {
            index = found
            // Back after a long silence: novel again.
            if seconds - entries.values[index].lastSeen >= configuration.rediscoverySeconds {
                entries.values[index].novelSince = seconds
            }
        } else {
            entries[id] = TemplateTracker.Entry(
                firstSeen: seconds, lastSeen: seconds, novelSince: isNew ? seconds : nil,
                counts: TickCounts(bucketCount: configuration.bucketsPerWindow, tick: tick),
                example: String(decoding: message, as: UTF8.self), severity: severity)
            index = entries.index(forKey: id)!
            added = 1
        }
        entries.values[index].lastSeen = max(entries.values[index].lastSeen, seconds)
        entries.values[index].severity = min(entries.values[index].severity, severity)
        entries.values[index].counts.add(at: tick)
        return (added, miner.evictedCount - evictedBefore)
    }

    func sample(id: TemplateID, entry: TemplateTracker.Entry, count: Int) -> TemplateSample {
        TemplateSample(
            service: name, templateID: id.description, template: miner.template(id)?.text ?? entry.example, count: count,
            example: entry.example, firstSeen: entry.firstSeen, severity: entry.severity)
    }

    mutating func foldAliases() {
        for (id, entry) in entries {
            let target = miner.canonical(id)
            guard target != id else { continue }
            entries[id] = nil
            if var survivor = entries[target] {
                survivor.firstSeen = min(survivor.firstSeen, entry.firstSeen)
                survivor.lastSeen = max(survivor.lastSeen, entry.lastSeen)
                survivor.severity = min(survivor.severity, entry.severity)
                survivor.counts.merge(entry.counts)
                entries[target] = survivor
            } else if miner.template(target) != nil {
                entries[target] = entry
            }
        }
    }

    mutating func prune(notSeenSince seconds: Int64) {
        entries = entries.filter { id, entry in entry.lastSeen >= seconds || miner.template(id) != nil }
    }
}
