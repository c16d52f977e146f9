import Detect
import Foundation
import Logging
import PostgresNIO
import Testing
@testable import Cluster
@testable import Store

/// The PostgreSQL server the cluster tests use: `VIGIL_TEST_POSTGRES_URL` (scripts/test.sh sets
/// it). Without it the suites are skipped, visibly.
enum ClusterTestServer {
    static let url = ProcessInfo.processInfo.environment["VIGIL_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static var isConfigured: Bool { url != nil }
    static let skipReason: Comment = "VIGIL_TEST_POSTGRES_URL is not set: cluster tests skipped (scripts/test.sh sets it)"
    static let logger = Logger(label: "vigil.tests.cluster")

    /// A database of this test's own (created, migrated, dropped afterwards).
    static func withFreshDatabase(_ body: (PostgresLocation, any VigilStore) async throws -> Void) async throws {
        let server = try PostgresLocation(url: try #require(url))
        let name = "vigil_cluster_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try await administer(server, "CREATE DATABASE \(name)")
        var location = server
        location.database = name
        let store = try await DatabaseURL.postgres(
            "postgres://\(location.username)\(location.password.map { ":" + $0 } ?? "")@\(location.host):\(location.port)/\(name)"
        ).openStore()
        do {
            try await body(location, store)
        } catch {
            try? await store.close()
            try? await administer(server, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            throw error
        }
        try await store.close()
        try await administer(server, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }

    /// Runs one statement on the server's own database. `CREATE DATABASE` and `DROP DATABASE`
    /// can fail for a moment on a loaded server (a dropped database's backends not yet gone, the
    /// template busy with another test's `CREATE`): tried up to five times, and what failed is
    /// thrown with the server's own words (a bare `PSQLError` says nothing).
    static func administer(_ location: PostgresLocation, _ sql: String) async throws {
        var lastError: any Error = ClusterError.closed
        for attempt in 1...5 {
            do {
                let connection = try await location.connect(applicationName: "vigil tests", logger: logger)
                do {
                    _ = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).collect()
                    try await connection.close()
                    return
                } catch {
                    try? await connection.close()
                    throw error
                }
            } catch {
                lastError = error
                if attempt < 5 { try await Task.sleep(for: .milliseconds(300 * attempt)) }
            }
        }
        throw AdministrationFailed(statement: sql, reason: String(reflecting: lastError))
    }

    struct AdministrationFailed: Error, CustomStringConvertible {
        let statement: String
        let reason: String
        var description: String { "\(statement): \(reason)" }
    }

    /// The first column of each row of `sql` as text.
    static func column(_ sql: String, in location: PostgresLocation) async throws -> [String] {
        let connection = try await location.connect(applicationName: "vigil tests", logger: logger)
        do {
            let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).collect()
            try await connection.close()
            return try rows.map { try $0.makeRandomAccess()[0].decode(String.self) }
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// A node named `name`, tick `tick` s, window `window` s.
    static func join(
        _ name: String, _ location: PostgresLocation, _ store: any VigilStore, tick: Int64 = 1, window: Int64 = 10,
        memberTimeout: Int64 = 30, grace: Double = 0.5
    ) async throws -> ClusterNode {
        try await ClusterNode.join(
            location: location,
            configuration: ClusterConfiguration(
                instanceName: name, tickSeconds: tick, windowSeconds: window, memberTimeoutSeconds: memberTimeout,
                flushGraceSeconds: grace),
            store: store, templates: .init(tickSeconds: tick, bucketsPerWindow: Int(window / tick)), restored: [], logger: logger)
    }
}

/// Severity counts from (severity, count) pairs.
func counts(_ pairs: (Int, Int)...) -> SeverityCounts {
    var result = SeverityCounts()
    for (severity, count) in pairs { result.add(severity: severity, count: count) }
    return result
}

/// A fixed local tick: the same counts every tick.
func fixedTick(_ services: [String: SeverityCounts], templates: [TemplateTickCount] = []) -> @Sendable (Int64) -> InstanceTick {
    let list = services.sorted { $0.key < $1.key }.map { (service: $0.key, counts: $0.value) }
    return { tick in InstanceTick(tick: tick, services: list, templates: templates) }
}

extension ClusterStep {
    var leaderTick: LeaderTick? {
        if case .leader(let tick) = self { return tick }
        return nil
    }
    var isFollower: Bool {
        if case .follower = self { return true }
        return false
    }
}

extension LeaderTick {
    /// The summed counts of `service` at `tick`.
    func counts(_ service: String, at tick: Int64) -> SeverityCounts? {
        ticks.first { $0.tick == tick }?.services.first { $0.service == service }?.counts
    }
}
