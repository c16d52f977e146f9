import Foundation
import PostgresNIO
import Testing
@testable import Store

/// The PostgreSQL server the tests may use: `VIGIL_TEST_POSTGRES_URL` (scripts/test.sh starts
/// one and sets it). Without it the PostgreSQL suites are skipped, visibly.
enum PostgresTestServer {
    static let url = ProcessInfo.processInfo.environment["VIGIL_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static var isConfigured: Bool { url != nil }
    static let skipReason: Comment = "VIGIL_TEST_POSTGRES_URL is not set: PostgreSQL store tests skipped (scripts/test.sh sets it)"

    /// Creates a database named for this test only (the role needs CREATEDB), runs `body` with its
    /// URL, then drops it, so tests never see each other's rows.
    static func withFreshDatabase(_ body: (DatabaseURL) async throws -> Void) async throws {
        guard let url else { throw StoreError.invalidDatabaseURL("(unset)", reason: "VIGIL_TEST_POSTGRES_URL is not set") }
        let server = try PostgresLocation(url: url)
        let name = "vigil_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try await administer(server, "CREATE DATABASE \(name)")
        var database = server
        database.database = name
        do {
            try await body(.postgres(database.urlWithPassword))
        } catch {
            try? await administer(server, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            throw error
        }
        try await administer(server, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }

    /// Runs one statement on the server's own database (the one in the URL).
    static func administer(_ server: PostgresLocation, _ sql: String) async throws {
        let connection = try await PostgresConnection.connect(
            configuration: try server.connectionConfiguration, id: 1, logger: Logger(label: "vigil.tests.postgres")
        )
        do {
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "vigil.tests.postgres"))
            try await connection.close()
        } catch {
            try? await connection.close()
            throw StoreError.operationFailed(operation: sql, reason: PostgresFailure.reason(error))
        }
    }

    /// Runs `sql` on the database `url` names and returns the first column of each row as text.
    static func column(_ sql: String, in url: DatabaseURL) async throws -> [String] {
        guard case .postgres(let text) = url else { return [] }
        let connection = try await PostgresConnection.connect(
            configuration: try PostgresLocation(url: text).connectionConfiguration, id: 2, logger: Logger(label: "vigil.tests.postgres")
        )
        do {
            let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "vigil.tests.postgres")).collect()
            try await connection.close()
            return try rows.map { try $0.makeRandomAccess()[0].decode(String.self) }
        } catch {
            try? await connection.close()
            throw error
        }
    }
}

extension PostgresLocation {
    /// For tests only: the URL with the password, to open a store on another database.
    var urlWithPassword: String {
        "postgres://\(username)\(password.map { ":" + $0 } ?? "")@\(host):\(port)/\(database)"
    }
}

extension PostgresTestServer {
    /// Whether the server has TLS on (`scripts/test.sh` turns it on).
    static func tlsIsOn(_ url: DatabaseURL) async throws -> Bool {
        try await column("SHOW ssl", in: url) == ["on"]
    }

    /// Per connection to `url`'s database whose `application_name` starts with `prefix`:
    /// whether it is encrypted (`pg_stat_ssl`).
    static func encryption(of url: DatabaseURL, applicationPrefix prefix: String) async throws -> [Bool] {
        guard case .postgres(let text) = url else { return [] }
        let database = try PostgresLocation(url: text).database
        return try await column(
            """
            SELECT s.ssl::text FROM pg_stat_ssl s JOIN pg_stat_activity a ON a.pid = s.pid
            WHERE a.datname = '\(database)' AND a.application_name LIKE '\(prefix)%' AND a.pid <> pg_backend_pid()
            """, in: url
        ).map { $0 == "true" }
    }
}
