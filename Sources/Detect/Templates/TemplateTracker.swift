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
        var id: TemplateID
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
        /// `name`'s UTF-8, compared with each message's service bytes (cheaper than the `String`).
        var nameBytes: [UInt8]
        var miner: TemplateMiner
        /// The bookkeeping of each template, found through `entryIndex` (id → position).
        private(set) var entries: [Entry] = []
        private var entryIndex = HashIndex()

        init(name: String, miner: TemplateMiner) {
            self.name = name
            self.nameBytes = Array(name.utf8)
            self.miner = miner
        }
    }

    public let configuration: Configuration
    var services: [ServiceTemplates] = []
    /// Service name hash → position in `services`.
    private var serviceIndex = HashIndex()
    /// Masked tokens seen before, shared by the services' miners (masking does not depend on the
    /// service).
    private var tokenCache = TokenCache()
    /// The tick of the last message's second (most messages share their second with the one
    /// before: a division saved per message).
    private var lastSeconds = Int64.min
    private var lastTick: Int64 = 0
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
        let index: Int
        if let found = serviceIndex[hash] {
            index = Int(found)
        } else {
            index = services.count
            services.append(ServiceTemplates(
                name: String(decoding: service, as: UTF8.self), miner: TemplateMiner(configuration: minerConfiguration)))
            serviceIndex.set(hash, UInt64(index))
        }
        if seconds != lastSeconds {
            lastSeconds = seconds
            lastTick = Detector.floorDiv(seconds, configuration.tickSeconds)
        }
        // Passed inout: the service's state is modified in place. Reading it through a getter
        // (even one field) would copy the whole value, retaining every array inside it.
        guard let (added, evicted) = Self.record(
            into: &services[index], service: service, message: message, severity: severity, seconds: seconds, tick: lastTick,
            configuration: configuration, cache: &tokenCache)
        else {
            collisions += 1
            return
        }
        templateCount += added
        evictedCount += evicted
    }

    private static func record(
        into templates: inout ServiceTemplates, service: UnsafeRawBufferPointer, message: UnsafeRawBufferPointer, severity: Int,
        seconds: Int64, tick: Int64, configuration: Configuration, cache: inout TokenCache
    ) -> (added: Int, evicted: Int)? {
        guard templates.nameBytes.withUnsafeBytes({ ByteComparison.equal($0, service) }) else { return nil }
        return templates.record(
            message: message, severity: severity, seconds: seconds, tick: tick, configuration: configuration, cache: &cache)
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
        for service in services {
            var top: [TemplateSample] = []
            for entry in service.entries {
                let id = entry.id
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
        for index in services.indices {
            let before = services[index].entries.count
            services[index].prune(notSeenSince: seconds)
            templateCount -= before - services[index].entries.count
        }
    }

    /// Merges the bookkeeping of templates the miners folded into others (their ids became
    /// aliases) into the template that absorbed them.
    public mutating func foldAliases() {
        for index in services.indices {
            let before = services[index].entries.count
            services[index].foldAliases()
            templateCount -= before - services[index].entries.count
        }
    }

    // MARK: Persistence

    /// Every template with its bookkeeping, for the store (ids stay stable across restarts).
    public var persistentTemplates: [PersistentTemplate] {
        services.flatMap { service in
            service.entries.compactMap { entry in
                let id = entry.id
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
                service.put(Entry(
                    id: TemplateID(rawValue: template.id), firstSeen: template.firstSeen, lastSeen: template.lastSeen, novelSince: nil,
                    counts: TickCounts(bucketCount: configuration.bucketsPerWindow, tick: Detector.floorDiv(template.lastSeen, configuration.tickSeconds)),
                    example: template.example, severity: template.severity))
            }
            if let index = serviceIndex[hash] {
                templateCount += service.entries.count - services[Int(index)].entries.count
                services[Int(index)] = service
            } else {
                templateCount += service.entries.count
                serviceIndex.set(hash, UInt64(services.count))
                services.append(service)
            }
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
        message: UnsafeRawBufferPointer, severity: Int, seconds: Int64, tick: Int64, configuration: TemplateTracker.Configuration,
        cache: inout TokenCache
    ) -> (added: Int, evicted: Int) {
        let evictedBefore = miner.evictedCount
        let (id, isNew) = miner.add(message, cache: &cache)
        if let index = entryIndex[id.rawValue] {
            // In place (inout), not through the getter: no copy of the entry per message.
            Self.count(&entries[Int(index)], severity: severity, seconds: seconds, tick: tick, configuration: configuration)
            return (0, miner.evictedCount - evictedBefore)
        }
        var entry = TemplateTracker.Entry(
            id: id, firstSeen: seconds, lastSeen: seconds, novelSince: isNew ? seconds : nil,
            counts: TickCounts(bucketCount: configuration.bucketsPerWindow, tick: tick),
            example: String(decoding: message, as: UTF8.self), severity: severity)
        Self.count(&entry, severity: severity, seconds: seconds, tick: tick, configuration: configuration)
        put(entry)
        return (1, miner.evictedCount - evictedBefore)
    }

    private static func count(
        _ entry: inout TemplateTracker.Entry, severity: Int, seconds: Int64, tick: Int64, configuration: TemplateTracker.Configuration
    ) {
        // Back after a long silence: novel again.
        if seconds - entry.lastSeen >= configuration.rediscoverySeconds { entry.novelSince = seconds }
        entry.lastSeen = max(entry.lastSeen, seconds)
        entry.severity = min(entry.severity, severity)
        entry.counts.add(at: tick)
    }

    func sample(id: TemplateID, entry: TemplateTracker.Entry, count: Int) -> TemplateSample {
        TemplateSample(
            service: name, templateID: id.description, template: miner.template(id)?.text ?? entry.example, count: count,
            example: entry.example, firstSeen: entry.firstSeen, severity: entry.severity)
    }

    /// Adds or replaces the bookkeeping of `entry.id`.
    mutating func put(_ entry: TemplateTracker.Entry) {
        if let index = entryIndex[entry.id.rawValue] {
            entries[Int(index)] = entry
        } else {
            entryIndex.set(entry.id.rawValue, UInt64(entries.count))
            entries.append(entry)
        }
    }

    mutating func foldAliases() {
        guard entries.contains(where: { miner.canonical($0.id) != $0.id }) else { return }
        let old = entries
        entries = []
        entryIndex = HashIndex(minimumCapacity: old.count)
        for entry in old where miner.canonical(entry.id) == entry.id { put(entry) }
        for entry in old {
            let target = miner.canonical(entry.id)
            guard target != entry.id else { continue }
            if let index = entryIndex[target.rawValue] {
                var survivor = entries[Int(index)]
                survivor.firstSeen = min(survivor.firstSeen, entry.firstSeen)
                survivor.lastSeen = max(survivor.lastSeen, entry.lastSeen)
                survivor.severity = min(survivor.severity, entry.severity)
                survivor.counts.merge(entry.counts)
                entries[Int(index)] = survivor
            } else if miner.template(target) != nil {
                var moved = entry
                moved.id = target
                put(moved)
            }
        }
    }

    mutating func prune(notSeenSince seconds: Int64) {
        let old = entries
        entries = []
        entryIndex = HashIndex(minimumCapacity: old.count)
        for entry in old where entry.lastSeen >= seconds || miner.template(entry.id) != nil { put(entry) }
    }
}
