import Detect
import Testing
@testable import Cluster

/// The leader's one set of templates, without a database.
@Suite struct ClusterTemplatesTests {
    static let configuration = ClusterTemplates.Configuration(tickSeconds: 10, bucketsPerWindow: 6, rediscoverySeconds: 3_600)

    static func definition(_ id: UInt64, _ text: String, firstSeen: Int64, service: String = "api", severity: Int = 3) -> TemplateDefinition {
        TemplateDefinition(service: service, id: id, text: text, example: text.replacingOccurrences(of: "<*>", with: "42"),
                           severity: severity, firstSeen: firstSeen)
    }

    static func sum(_ tick: Int64, _ id: UInt64, _ count: Int, service: String = "api", severity: Int = 3) -> TemplateTickSum {
        TemplateTickSum(tick: tick, service: service, id: id, count: count, severity: severity)
    }

    @Test func idsAnnouncedWithTheSameTextBecomeOneTemplateTheEarliestSightingsID() {
        var templates = ClusterTemplates(configuration: Self.configuration)
        templates.learn([
            Self.definition(0x30, "disk <*> full", firstSeen: 1_000),
            Self.definition(0x10, "disk <*> full", firstSeen: 1_005),
            Self.definition(0x20, "disk <*> full", firstSeen: 995),
            Self.definition(0x40, "disk <*> full", firstSeen: 1_000, service: "db"),
        ])
        #expect(templates.clusterID(service: "api", id: 0x10) == 0x20)
        #expect(templates.clusterID(service: "api", id: 0x30) == 0x20)
        #expect(templates.clusterID(service: "db", id: 0x40) == 0x40)
        let changed = templates.takeChanged()
        #expect(changed.map(\.id) == [0x20, 0x40])
        #expect(changed.first?.aliases.sorted() == [0x10, 0x30])
        #expect(templates.takeChanged().isEmpty)
    }

    @Test func theWindowSumsEveryIDsOccurrencesAndALateTickReplacesItsCounts() {
        var templates = ClusterTemplates(configuration: Self.configuration)
        templates.learn([Self.definition(0x1, "timeout after <*> ms", firstSeen: 1_000), Self.definition(0x2, "timeout after <*> ms", firstSeen: 1_001)])
        templates.record(tick: 100, sums: [Self.sum(100, 0x1, 4), Self.sum(100, 0x2, 3)])
        templates.record(tick: 101, sums: [Self.sum(101, 0x2, 2)])
        #expect(templates.window(endingAtTick: 101).top["api"]?.first?.count == 9)
        // Tick 100 read again with a late member's share: replaced, not added.
        templates.record(tick: 100, sums: [Self.sum(100, 0x1, 4), Self.sum(100, 0x2, 3), Self.sum(100, 0x1, 5)])
        #expect(templates.window(endingAtTick: 101).top["api"]?.first?.count == 14)
        // Out of the window (6 ticks) after it moved on.
        #expect(templates.window(endingAtTick: 107).top["api"] == nil)
    }

    @Test func novelOnceForTheClusterAndAgainAfterTheRediscoverySilence() {
        let restored = PersistentTemplate(
            service: "api", id: 0x9, text: "known <*>", count: 50, firstSeen: 0, lastSeen: 500, severity: 3, example: "known 1")
        var templates = ClusterTemplates(configuration: Self.configuration, restoring: [restored])
        templates.learn([Self.definition(0x5, "new failure <*>", firstSeen: 1_000)])
        templates.record(tick: 100, sums: [Self.sum(100, 0x5, 5), Self.sum(100, 0x9, 2)])
        let window = templates.window(endingAtTick: 100)
        #expect(window.novel.map(\.sample.templateID) == ["0000000000000005"])
        #expect(window.novel.first?.since == 1_000)
        // The restored template comes back after more than an hour of silence: novel again.
        templates.record(tick: 500, sums: [Self.sum(500, 0x9, 1)])
        #expect(templates.window(endingAtTick: 500).novel.map { ($0.sample.templateID, $0.since) }.first! == ("0000000000000009", 5_000))
    }

    @Test func unknownIDsAreCountedNotGuessedAndNamedForLookUp() {
        var templates = ClusterTemplates(configuration: Self.configuration)
        let sums = [Self.sum(100, 0x77, 3, service: "mail")]
        #expect(templates.servicesWithUnknownIDs(in: sums) == ["mail"])
        templates.record(tick: 100, sums: sums)
        #expect(templates.unresolvedOccurrences == 3)
        #expect(templates.window(endingAtTick: 100).top.isEmpty)
    }

    @Test func aServiceKeepsAtMostItsCapLeastRecentlySeenGoingFirst() {
        var templates = ClusterTemplates(
            configuration: .init(tickSeconds: 10, bucketsPerWindow: 6, maximumTemplatesPerService: 2))
        templates.learn([Self.definition(0x1, "a <*>", firstSeen: 1), Self.definition(0x2, "b <*>", firstSeen: 2)])
        templates.learn([Self.definition(0x3, "c <*>", firstSeen: 3)])
        #expect(templates.count == 2)
        #expect(templates.clusterID(service: "api", id: 0x1) == nil)
        #expect(templates.clusterID(service: "api", id: 0x3) == 0x3)
    }
}
