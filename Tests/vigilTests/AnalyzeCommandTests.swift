import Foundation
import Testing

/// `vigil analyze` as a user runs it: the built executable replaying a generated incident log.
@Suite struct AnalyzeCommandTests {
    /// Five services at 1 msg/s with 1 % errors for 90 minutes; from minute 60 `payments` fails
    /// 30 % of its requests for 6 minutes.
    static func incidentLog() -> String {
        var generator = SeededGenerator(seed: 7)
        let services = ["payments", "auth", "search", "orders", "inventory"]
        let start = 1_705_276_800  // 2024-01-15T00:00:00Z
        var lines: [String] = []
        for second in 0..<(90 * 60) {
            let time = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(start + second)))
            for service in services {
                let incident = service == "payments" && (3600..<3960).contains(second)
                let failing = Double.random(in: 0..<1, using: &generator) < (incident ? 0.3 : 0.01)
                let pri = failing ? 11 : 14
                lines.append("<\(pri)>1 \(time) host \(service) - - - \(failing ? "Database connection timeout" : "request served")")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Runs `vigil analyze` and returns its exit status and the alerts it printed.
    static func analyze(_ arguments: [String]) throws -> (status: Int32, alerts: [[String: Any]]) {
        let result = try VigilBinary.run(["analyze"] + arguments)
        return (result.status, result.objects.filter { !$0.isEmpty })
    }

    static func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-\(UUID().uuidString).log").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func aSecondRunDetectsWithTheFirstRunsBaselineAndKeepsItsCooldown() throws {
        let lines = Self.incidentLog().split(separator: "\n", omittingEmptySubsequences: true)
        // Part one: the first hour (learning). Part two: from minute 60, the incident at once.
        let first = try Self.write(lines.prefix(3600 * 5).joined(separator: "\n") + "\n")
        let second = try Self.write(lines.dropFirst(3600 * 5).joined(separator: "\n") + "\n")
        let database = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-\(UUID().uuidString).db").path
        defer {
            for path in [first, second, database, database + "-wal", database + "-shm"] { try? FileManager.default.removeItem(atPath: path) }
        }

        let learning = try Self.analyze(["--database", "sqlite:\(database)", first])
        #expect(learning.status == 0)
        #expect(learning.alerts.isEmpty)

        let incident = try Self.analyze(["--database", "sqlite:\(database)", second])
        #expect(incident.status == 0)
        let spikes = incident.alerts.filter { $0["category"] as? String == "error_spike" }
        #expect(spikes.count == 1)
        #expect((spikes.first?["affected_services"] as? [String])?.first == "payments")
        let detectedAt = spikes.first?["detected_at"] as? String ?? ""
        #expect(detectedAt >= "2024-01-15T01:00:00" && detectedAt <= "2024-01-15T01:06:00", "\(detectedAt)")

        // The same part again: the database's cooldown from the previous run holds.
        let again = try Self.analyze(["--database", "sqlite:\(database)", second])
        #expect(again.status == 0)
        #expect(again.alerts.filter { $0["category"] as? String == "error_spike" }.isEmpty)

        // Without the first run's baseline the incident part alone cannot be judged in time.
        let fresh = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-\(UUID().uuidString).db").path
        defer { for path in [fresh, fresh + "-wal", fresh + "-shm"] { try? FileManager.default.removeItem(atPath: path) } }
        let alone = try Self.analyze(["--database", "sqlite:\(fresh)", second])
        #expect(alone.alerts.filter { $0["category"] as? String == "error_spike" }.isEmpty)
    }

    @Test func anUnreachableDatabaseIsAClearFailure() throws {
        let log = try Self.write("<14>1 2024-01-15T00:00:00Z h a - - - x\n")
        defer { try? FileManager.default.removeItem(atPath: log) }
        let result = try Self.analyze(["--database", "mysql://nowhere", log])
        #expect(result.status != 0)
    }

    @Test func anIncidentGivesOneErrorSpikeNamingTheServiceWithinItsSixMinutes() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-incident-\(UUID().uuidString).log").path
        try Data(Self.incidentLog().utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }

        let database = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-\(UUID().uuidString).db").path
        defer { for path in [database, database + "-wal", database + "-shm"] { try? FileManager.default.removeItem(atPath: path) } }
        let (status, alerts) = try Self.analyze(["--database", "sqlite:\(database)", path])
        #expect(status == 0)
        let spikes = alerts.filter { $0["category"] as? String == "error_spike" }
        #expect(spikes.count == 1)
        let spike = try #require(spikes.first)
        #expect((spike["affected_services"] as? [String])?.first == "payments")
        let detectedAt = try #require(spike["detected_at"] as? String)
        #expect(detectedAt >= "2024-01-15T01:00:00" && detectedAt <= "2024-01-15T01:06:00", "\(detectedAt)")
        #expect((spike["anomaly_id"] as? String)?.hasPrefix("anom_20240115_01") == true)
        // Printed once analysed: without an API key, by the offline analyzer.
        #expect(spike["analysis_source"] as? String == "offline")
        #expect((spike["root_cause"] as? String)?.contains("payments") == true)
        #expect(alerts.allSatisfy { ($0["detected_at"] as? String ?? "") >= "2024-01-15T00:30:00" })
        // Judged on the short window, in an incident of its own, resolved after the 6 minutes.
        #expect(spike["window_seconds"] as? Int == 60)
        #expect((spike["incident_id"] as? String)?.hasPrefix("inc_20240115_01") == true)
        let resolvedAt = try #require(spike["resolved_at"] as? String)
        #expect(resolvedAt > "2024-01-15T01:06:00" && resolvedAt < "2024-01-15T01:20:00", "\(resolvedAt)")
    }
}

/// SplitMix64: a reproducible generator for test data.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
