import Foundation
import PostgresNIO
import Testing
@testable import Store

/// The backends the history endpoints are tested on, each test on a database of its own (a
/// file for SQLite; a database created on `VIGIL_TEST_POSTGRES_URL`'s server for PostgreSQL).
enum APIDatabase: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }

    static let postgresURL = ProcessInfo.processInfo.environment["VIGIL_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }

    /// The backends to run on: PostgreSQL only when the server is configured (scripts/test.sh).
    static var available: [APIDatabase] { postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }

    /// Runs `body` with the URL of a new, empty database, removed afterwards.
    func withFresh(_ body: (DatabaseURL) async throws -> Void) async throws {
        switch self {
        case .sqlite:
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-api-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: folder) }
            try await body(.sqlite(.file(path: folder.appendingPathComponent("vigil.db").path)))
        case .postgres:
            guard let url = Self.postgresURL else { return }
            let server = try PostgresLocation(url: url)
            let name = "vigil_api_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            try await Self.administer(server, "CREATE DATABASE \(name)")
            var database = server
            database.database = name
            let fresh = "postgres://\(database.username)\(database.password.map { ":" + $0 } ?? "")@\(database.host):\(database.port)/\(name)"
            do {
                try await body(.postgres(fresh))
            } catch {
                try? await Self.administer(server, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
                throw error
            }
            try await Self.administer(server, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        }
    }

    private static func administer(_ server: PostgresLocation, _ sql: String) async throws {
        let logger = Logger(label: "vigil.tests.api")
        let connection = try await PostgresConnection.connect(configuration: server.connectionConfiguration, id: 1, logger: logger)
        defer { Task { try? await connection.close() } }
        try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
    }
}
