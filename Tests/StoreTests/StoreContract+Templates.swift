import Detect
import Testing
@testable import Store

extension StoreContract {
    static func templatesRoundTripAndUpsert(_ backend: StoreBackend) async throws {
        try await backend.withFreshDatabase { database throws in
            try await withStore(database) { store throws in
                #expect(try await store.loadTemplates().isEmpty)
                let templates = [
                    PersistentTemplate(
                        service: "db", id: 0xFFFF_0000_FFFF_0000, text: "disk <*> full", count: 3, firstSeen: 1000, lastSeen: 1200,
                        severity: 3, example: "disk sda1 full"),
                    PersistentTemplate(
                        service: "api \"gw\"", id: 7, text: "GET <*> → <*>", count: 1, firstSeen: 900, lastSeen: 900, severity: 6,
                        example: "GET /ünï → 200"),
                ]
                try await store.saveTemplates(templates)
                #expect(try await store.loadTemplates() == templates.sorted { ($0.service, $0.id) < ($1.service, $1.id) })

                // A later save widens the template and moves last-seen on; first-seen and the worst
                // severity are kept from whichever run saw them.
                var widened = templates[0]
                widened.text = "disk <*> <*>"
                widened.count = 10
                widened.firstSeen = 1100
                widened.lastSeen = 5000
                widened.severity = 4
                try await store.saveTemplates([widened])
                let reloaded = try await store.loadTemplates()
                #expect(reloaded.count == 2)
                let db = try #require(reloaded.first { $0.service == "db" })
                #expect(db.text == "disk <*> <*>")
                #expect(db.count == 10)
                #expect(db.firstSeen == 1000)
                #expect(db.lastSeen == 5000)
                #expect(db.severity == 3)
                #expect(db.id == 0xFFFF_0000_FFFF_0000)
            }
        }
    }
}
