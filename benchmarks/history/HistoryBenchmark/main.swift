// The per-minute history's cost in the store: writes the minutes of N services (one
// `recordHistory` per minute, as `vigil serve` does), then measures the bytes on disk per row,
// the time of one minute's write, the reads the dashboard makes and a day's prune — and states
// the size of 10,000 services × 7 days from it.
//
//   swift run -c release HistoryBenchmark [--services 10000] [--minutes 1440] [--database URL]
//
// URL: sqlite:PATH (default: a fresh file under /tmp) or postgres://… (a database of its own:
// the benchmark writes its rows there and leaves them).
import Detect
import Foundation
import PostgresNIO
import Store

struct Options {
    var services = 10_000
    var minutes = 1_440
    var database: String?

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let flag = iterator.next() {
            switch flag {
            case "--services": services = Int(iterator.next() ?? "") ?? services
            case "--minutes": minutes = Int(iterator.next() ?? "") ?? minutes
            case "--database": database = iterator.next()
            default: print("unknown argument \(flag)"); exit(2)
            }
        }
    }
}

/// A deterministic, service-like minute: mostly info, a few warnings and errors, a baseline.
func minute(service: Int, at minute: Int64, random: inout UInt64) -> HistoryMinute {
    func next(_ bound: Int) -> Int {
        random = random &* 6364136223846793005 &+ 1442695040888963407
        return Int((random >> 33) % UInt64(bound))
    }
    var counts = SeverityCounts()
    counts.add(severity: 6, count: 20 + next(180))
    counts.add(severity: 4, count: next(6))
    counts.add(severity: 3, count: next(4))
    if next(50) == 0 { counts.add(severity: 2, count: 1) }
    if next(10) == 0 { counts.add(severity: 7, count: next(30)) }
    return HistoryMinute(scope: .service("service-\(service)"), minute: minute, counts: counts,
                         baseline: HistoryBaseline(volumePerMinute: 110 + Double(next(1000)) / 100, errorRate: 0.01 + Double(next(100)) / 10_000))
}

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}

func sizeOnDisk(_ url: DatabaseURL) async throws -> Int64 {
    switch url {
    case .sqlite(.file(let path)):
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.size] as? NSNumber)?.int64Value ?? 0
    case .postgres(let text):
        guard let parts = URLComponents(string: text), let host = parts.host, let user = parts.user else { return 0 }
        let configuration = PostgresConnection.Configuration(
            host: host, port: parts.port ?? 5432, username: user, password: parts.password,
            database: String(parts.path.dropFirst()), tls: .disable)
        let logger = Logger(label: "bench")
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        defer { Task { try? await connection.close() } }
        try await connection.query("VACUUM ANALYZE history", logger: logger)
        let rows = try await connection.query(
            "SELECT (pg_total_relation_size('history') + pg_total_relation_size('history_scopes'))::bigint", logger: logger).collect()
        return try rows.first?.decode(Int64.self) ?? 0
    default:
        return 0
    }
}

@main
struct HistoryBenchmark {
    static func main() async throws {
        let options = Options(CommandLine.arguments)
        let path = "/tmp/vigil-history-bench-\(getpid()).db"
        let url = try options.database.map { try DatabaseURL(parsing: $0) } ?? .sqlite(.file(path: path))
        var store = try await url.openStore()
        let clock = ContinuousClock()
        let start: Int64 = 1_705_276_800  // 2024-01-15T00:00:00Z
        var random: UInt64 = 15
        var writes: [Double] = []
        print("writing \(options.minutes) minutes × \(options.services) services + overall to \(url)")
        let began = clock.now
        for m in 0..<options.minutes {
            let at = start + Int64(m) * 60
            var rows = (0..<options.services).map { minute(service: $0, at: at, random: &random) }
            var overall = SeverityCounts()
            for row in rows { overall.add(row.counts) }
            rows.append(HistoryMinute(scope: .overall, minute: at, counts: overall, baseline: HistoryBaseline(volumePerMinute: 1.1e6, errorRate: 0.012)))
            let elapsed = try await clock.measure { try await store.recordHistory(rows) }
            writes.append(milliseconds(elapsed))
            if m % 60 == 59 { print("  \(m + 1) minutes, last write \(String(format: "%.0f", writes.last!)) ms") }
        }
        let total = milliseconds(clock.now - began) / 1000
        try await store.close()
        store = try await url.openStore()
        let rows = Int64(options.minutes) * Int64(options.services + 1)
        let bytes = try await sizeOnDisk(url)
        let perRow = Double(bytes) / Double(rows)
        let week = perRow * 10_001 * 10_080
        writes.sort()
        print(String(format: "rows %lld, %.1f s (%.0f rows/s)", rows, total, Double(rows) / total))
        print(String(format: "one minute's write (%d rows): median %.0f ms, p99 %.0f ms, max %.0f ms",
                     options.services + 1, writes[writes.count / 2], writes[min(writes.count - 1, writes.count * 99 / 100)], writes.last!))
        print(String(format: "on disk: %lld bytes, %.1f bytes per row → 10,000 services × 7 days (%.1f M rows): %.2f GB",
                     bytes, perRow, 10_001.0 * 10_080 / 1e6, week / 1e9))

        let end = start + Int64(options.minutes) * 60
        let oneService = try await clock.measure {
            _ = try await store.history(of: .service("service-42"), from: start, until: end)
        }
        let sparklines = try await clock.measure {
            _ = try await store.history(of: (0..<100).map { .service("service-\($0)") }, from: end - 3600, until: end)
        }
        print(String(format: "read: one service, all %d minutes %.1f ms; 100 services' last hour (sparklines) %.1f ms",
                     options.minutes, milliseconds(oneService), milliseconds(sparklines)))
        let pruned = try await clock.measure {
            let deleted = try await store.pruneHistory(before: start + Int64(options.minutes / 2) * 60)
            print("prune: \(deleted) rows (half the minutes)", terminator: "")
        }
        print(String(format: " in %.1f s", milliseconds(pruned) / 1000))
        try await store.close()
        if options.database == nil {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
    }
}
