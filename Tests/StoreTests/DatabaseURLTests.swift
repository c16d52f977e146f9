import Testing
@testable import Store

@Suite struct DatabaseURLTests {
    @Test(arguments: [
        ("sqlite:./data/vigil.db", DatabaseURL.sqlite(.file(path: "./data/vigil.db"))),
        ("sqlite:/var/lib/vigil/vigil.db", .sqlite(.file(path: "/var/lib/vigil/vigil.db"))),
        ("sqlite:vigil.db", .sqlite(.file(path: "vigil.db"))),
        ("sqlite::memory:", .sqlite(.memory)),
        ("  sqlite:x.db\n", .sqlite(.file(path: "x.db"))),
        ("postgres://vigil:secret@db:5432/vigil", .postgres("postgres://vigil:secret@db:5432/vigil")),
        ("postgresql://localhost/vigil", .postgres("postgresql://localhost/vigil")),
    ])
    func parsesKnownSchemes(text: String, expected: DatabaseURL) throws {
        #expect(try DatabaseURL(parsing: text) == expected)
    }

    @Test(arguments: ["", "sqlite:", "mysql://u:p@h/db", "./data/vigil.db", "http://x", "SQLITE:x.db"])
    func rejectsOthersWithAClearError(text: String) {
        #expect(throws: StoreError.self) { try DatabaseURL(parsing: text) }
    }

    @Test func invalidURLErrorDoesNotEchoCredentials() {
        do {
            _ = try DatabaseURL(parsing: "mysql://user:hunter2@host/db")
            Issue.record("expected an error")
        } catch {
            #expect(!error.description.contains("hunter2"))
            #expect(error.description.contains("sqlite:PATH"))
        }
    }

    @Test func argumentBeatsEnvironmentBeatsDefault() throws {
        let environment = ["DATABASE_URL": "sqlite:env.db"]
        #expect(try DatabaseURL.resolve(argument: "sqlite:arg.db", environment: environment) == .sqlite(.file(path: "arg.db")))
        #expect(try DatabaseURL.resolve(argument: nil, environment: environment) == .sqlite(.file(path: "env.db")))
        #expect(try DatabaseURL.resolve(argument: nil, environment: [:]) == .default)
        #expect(try DatabaseURL.resolve(argument: "", environment: ["DATABASE_URL": ""]) == .default)
        #expect(DatabaseURL.default == .sqlite(.file(path: "./data/vigil.db")))
    }

    @Test func unreachablePostgresIsAClearErrorWithoutThePassword() async {
        // Port 1 on loopback: nothing listens, the connection is refused at once.
        do {
            _ = try await DatabaseURL.postgres("postgres://vigil:hunter2@127.0.0.1:1/vigil").openStore()
            Issue.record("expected an error")
        } catch {
            let message = String(describing: error)
            #expect(message.contains("cannot reach PostgreSQL at 127.0.0.1:1"), "\(message)")
            #expect(message.lowercased().contains("refused"), "\(message)")
            #expect(!message.contains("hunter2"), "\(message)")
        }
    }

    @Test(arguments: [
        ("postgres://vigil:p%40ss@db:6543/vigil", PostgresLocation?.some(.init(host: "db", port: 6543, username: "vigil", password: "p@ss", database: "vigil"))),
        ("postgresql://vigil@localhost/", .some(.init(host: "localhost", port: 5432, username: "vigil", password: nil, database: "vigil"))),
        ("postgres://db/vigil", nil),
        ("postgres://vigil:x@db/vigil?sslmode=require", .some(.init(host: "db", port: 5432, username: "vigil", password: "x", database: "vigil", tls: .init(mode: .require)))),
        ("postgres://vigil:x@db/vigil?sslmode=bogus", nil),
    ])
    func postgresURLsNameHostPortUserAndDatabase(url: String, expected: PostgresLocation?) {
        #expect((try? PostgresLocation(url: url)) == expected)
    }

    @Test func descriptionHidesThePostgresPassword() {
        let url = DatabaseURL.postgres("postgres://vigil:secret@db:5432/vigil")
        #expect(url.description == "postgres://…@db:5432/vigil")
    }

    @Test func openStoreCreatesTheDirectoryAndMigrates() async throws {
        try await withTemporaryDatabasePath { path throws in
            let store = try await DatabaseURL.sqlite(.file(path: path)).openStore()
            #expect(try await store.recentAlerts(limit: 5).isEmpty)
            try await store.close()
        }
    }
}
