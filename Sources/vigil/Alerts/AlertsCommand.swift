import API
import ArgumentParser
import Detect
import Foundation
import Store

/// `vigil alerts`: the stored alerts as JSON lines, newest first — the same objects as
/// `GET /alerts/{id}` — read straight from the database, for scripts and for operators without
/// the server running.
struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "Print stored alerts as JSON lines, newest first (the objects GET /alerts/{id} returns)."
    )

    @Option(help: "Database: sqlite:PATH or postgres://USER:PASS@HOST:PORT/DB; env DATABASE_URL. Default: the configuration's (sqlite:./data/vigil.db).")
    var database: String?

    @Option(help: "Configuration file (TOML); env VIGIL_CONFIG. Only its database.url is used.")
    var config: String?

    @Option(help: "Only alerts detected at or after: RFC 3339 (2024-01-15T10:30:00Z), seconds since the epoch, or an age (90s, 30m, 2h, 7d).")
    var since: String?

    @Option(help: "At most this many alerts (1 to 100000).")
    var limit = 100

    @Option(help: "Only this category: error_spike, volume_spike, service_change, new_pattern.")
    var category: String?

    @Option(help: "Only alerts naming this service among their affected services.")
    var service: String?

    func validate() throws {
        guard (1...100_000).contains(limit) else { throw ValidationError("--limit must be from 1 to 100000") }
        if let category, AnomalyCategory(rawValue: category) == nil {
            throw ValidationError("--category must be one of \(AnomalyCategory.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let since, Self.seconds(since, now: 0) == nil {
            throw ValidationError("--since must be an RFC 3339 date-time, seconds since the epoch, or an age such as 30m, 2h or 7d")
        }
        try DetectionOptions.check(resolved)
    }

    func resolved() throws -> VigilConfiguration {
        try DetectionOptions.parse(DetectionOptions.arguments(config: config, database: database)).resolved()
    }

    /// An instant as `--since` takes it, in seconds since the epoch; an age counts back from `now`.
    static func seconds(_ text: String, now: Int64) -> Int64? {
        if let absolute = AlertsEndpoint.seconds(text) { return absolute }
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        guard let unit = text.last.flatMap({ units[$0] }), let count = Int64(text.dropLast()), count >= 0,
              count <= Int64.max / unit / 2
        else { return nil }
        return now - count * unit
    }

    func run() async throws {
        let url: DatabaseURL
        do {
            url = try DatabaseURL(parsing: try resolved().database)
        } catch {
            FileHandle.standardError.write(Data("vigil alerts: \(error)\n".utf8))
            throw ExitCode(2)
        }
        // Reading must not conjure up an empty database where none was.
        if case .sqlite(.file(let path)) = url, !FileManager.default.fileExists(atPath: path) {
            FileHandle.standardError.write(Data("vigil alerts: no database at \(path)\n".utf8))
            throw ExitCode.failure
        }
        var query = AlertQuery(limit: limit, category: category.flatMap(AnomalyCategory.init(rawValue:)), service: service)
        query.since = since.flatMap { Self.seconds($0, now: WallClock().secondsSinceEpoch) }
        let alerts: [Alert]
        do {
            let store = try await url.openStore()
            do {
                alerts = try await store.recentAlerts(query)
                try? await store.close()
            } catch {
                try? await store.close()
                throw error
            }
        } catch {
            FileHandle.standardError.write(Data("vigil alerts: \(error)\n".utf8))
            throw ExitCode.failure
        }
        StandardOutput.write(Array(alerts.map { $0.json + "\n" }.joined().utf8))
    }
}
