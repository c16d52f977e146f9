// The cluster's per-tick cost, measured on a real PostgreSQL: N instances (in this process, each
// a ClusterNode with its own connections) flush S services every tick; the leader waits for the
// flushes, reads the per-service sums, and runs the Detector over them (observe + evaluate, the
// default windows [60, 300] s — what LiveDetection does with the ticks a leader is handed). Prints, per (N, S): the
// median and p95 of each instance's flush, the leader's sum and its detection, the rows and bytes
// one tick writes, and the leader's whole tick.
//
//   swift run -c release ClusterBenchmark --url postgres://vigil:vigil@127.0.0.1:5432/vigil_test \
//       [--instances 1,2,4] [--services 1000,10000] [--ticks 15] [--tick 10] [--logged]
//
// Each (N, S) runs on a database of its own (created and dropped; the role needs CREATEDB).
// Ticks are stepped back to back (not on the wall clock), so the figures are costs, not waits.
import Cluster
import Detect
import Foundation
import Logging
import PostgresNIO
import Store

struct Options {
    var url = ProcessInfo.processInfo.environment["VIGIL_TEST_POSTGRES_URL"] ?? "postgres://vigil:vigil@127.0.0.1:5432/vigil_test"
    var instances = [1, 2, 4]
    var services = [1_000, 10_000]
    var ticks = 15
    /// Detection's tick (seconds): the default 10 s; boundaries are stepped back to back.
    var tick: Int64 = 10
    /// `cluster_counts` as the migration makes it (UNLOGGED), or `--logged` (WAL-logged) to compare.
    var logged = false

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            if argument == "--logged" {
                logged = true
                continue
            }
            let value = iterator.next() ?? ""
            switch argument {
            case "--url": url = value
            case "--instances": instances = value.split(separator: ",").compactMap { Int($0) }
            case "--services": services = value.split(separator: ",").compactMap { Int($0) }
            case "--ticks": ticks = Int(value) ?? ticks
            case "--tick": tick = Int64(value) ?? tick
            default: FileHandle.standardError.write(Data("unknown option \(argument)\n".utf8)); exit(2)
            }
        }
    }
}

/// One instance's traffic: every service every tick (the load balancer spreads each service over
/// all instances, the worst case for the sum), mostly info, some errors, and one error template
/// per 20 services. Deterministic per (instance, tick).
func localTick(instance: Int, services: [String], tick: Int64) -> InstanceTick {
    var generator = SplitMix(seed: UInt64(bitPattern: tick) &* 31 &+ UInt64(instance))
    var counts: [(service: String, counts: SeverityCounts)] = []
    counts.reserveCapacity(services.count)
    var templates: [TemplateTickCount] = []
    for (index, service) in services.enumerated() {
        var severity = SeverityCounts()
        severity.add(severity: 6, count: 5 + Int(generator.next() % 20))
        if index % 20 == 0 {
            let errors = Int(generator.next() % 3)
            severity.add(severity: 3, count: errors)
            if errors > 0 {
                templates.append(TemplateTickCount(
                    service: service, id: UInt64(index + 1) &* 0x9E37_79B9_7F4A_7C15, count: errors, severity: 3,
                    text: "upstream <*> timed out after <*> ms", example: "upstream 10.0.0.1 timed out after 5000 ms",
                    firstSeen: tick))
            }
        }
        counts.append((service, severity))
    }
    return InstanceTick(tick: tick, services: counts, templates: templates)
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
}

func ms(_ seconds: Double) -> String { String(format: "%.1f", seconds * 1000) }

let options = Options(CommandLine.arguments)
var logger = Logger(label: "vigil.benchmark.cluster")
logger.logLevel = .error
let server = try PostgresLocation(url: options.url)

func administer(_ sql: String, on location: PostgresLocation) async throws -> [PostgresRow] {
    let connection = try await location.connect(applicationName: "vigil benchmark", logger: logger)
    defer { Task { try? await connection.close() } }
    return try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).collect()
}

print("| instances | services each | flush p50 / p95 ms | leader sum p50 / p95 ms | detect p50 / p95 ms | leader tick p50 / p95 ms | rows / tick | KiB / tick | WAL KiB / tick |")
print("|---|---|---|---|---|---|---|---|---|")

/// The server's WAL insert position (bytes): its growth over a run is what the run logged (the
/// whole server's, so an idle server gives the cleanest figure).
func walPosition(_ location: PostgresLocation) async throws -> Int64 {
    let rows = try await administer("SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::BIGINT", on: location)
    return try rows.first?.makeRandomAccess()[0].decode(Int64.self) ?? 0
}
for serviceCount in options.services {
    for instanceCount in options.instances {
        let name = "vigil_bench_cluster_\(instanceCount)_\(serviceCount)_\(ProcessInfo.processInfo.processIdentifier)"
        _ = try await administer("CREATE DATABASE \(name)", on: server)
        var location = server
        location.database = name
        let store = try await DatabaseURL.postgres(
            "postgres://\(location.username)\(location.password.map { ":" + $0 } ?? "")@\(location.host):\(location.port)/\(name)"
        ).openStore()
        if options.logged { _ = try await administer("ALTER TABLE cluster_counts SET LOGGED", on: location) }
        let walBefore = try await walPosition(location)
        let detection = DetectionConfiguration(tickSeconds: options.tick)
        var nodes: [ClusterNode] = []
        for index in 0..<instanceCount {
            nodes.append(try await ClusterNode.join(
                location: location,
                configuration: ClusterConfiguration(
                    instanceName: "bench-\(index)", tickSeconds: options.tick, windowSeconds: detection.longestWindow,
                    flushGraceSeconds: 5),
                store: store, templates: .init(detection: detection), restored: [], logger: logger))
        }
        let services = (0..<serviceCount).map { "service-\($0)" }
        var flushes: [Double] = [], sums: [Double] = [], detects: [Double] = [], leaderTicks: [Double] = []
        var rows: [Double] = [], bytes: [Double] = []
        let base = (Int64(Date().timeIntervalSince1970) / options.tick - Int64(options.ticks) - 5) * options.tick
        // Every window is judged from the first boundary (no baselines yet: the rules' sums and
        // the learning are the cost, not alerts).
        var detector = Detector(configuration: detection, observingSince: base - detection.longestWindow)
        for step in 0..<(options.ticks + 2) {
            let boundary = base + Int64(step) * options.tick
            let results = await withTaskGroup(of: (ClusterStep, StepTimings, Double).self) { group in
                for (index, node) in nodes.enumerated() {
                    group.addTask {
                        let started = ContinuousClock.now
                        let result = await node.step(boundary: boundary) { tick in localTick(instance: index, services: services, tick: tick) }
                        let took = ContinuousClock.now - started
                        return (result, node.timings, Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18)
                    }
                }
                var collected: [(ClusterStep, StepTimings, Double)] = []
                for await result in group { collected.append(result) }
                return collected
            }
            guard let (leaderStep, timings, wall) = results.first(where: { if case .leader = $0.0 { true } else { false } }),
                  case .leader(let input) = leaderStep
            else { continue }
            let detectStarted = ContinuousClock.now
            for tick in input.ticks { detector.observe(tick: tick.tick, counts: tick.services) }
            _ = detector.evaluate(at: boundary, templates: input.templates)
            let detectDuration = ContinuousClock.now - detectStarted
            let detectTook = Double(detectDuration.components.seconds) + Double(detectDuration.components.attoseconds) / 1e18
            guard step >= 2 else { continue }  // warm-up: connections, first announcements, election
            flushes += results.map(\.1.flush)
            sums.append(timings.sum)
            detects.append(detectTook)
            leaderTicks.append(wall - timings.wait + detectTook)
            let size = try await administer(
                "SELECT count(*)::BIGINT, COALESCE(sum(pg_column_size(c.*)), 0)::BIGINT FROM cluster_counts c WHERE tick = \(boundary / options.tick - 1)",
                on: location)
            let cells = size.first?.makeRandomAccess()
            rows.append(Double(try cells?[0].decode(Int64.self) ?? 0))
            bytes.append(Double(try cells?[1].decode(Int64.self) ?? 0))
        }
        let walBytes = Double(try await walPosition(location) - walBefore) / Double(options.ticks + 2)
        print("| \(instanceCount) | \(serviceCount) | \(ms(percentile(flushes, 0.5))) / \(ms(percentile(flushes, 0.95))) "
            + "| \(ms(percentile(sums, 0.5))) / \(ms(percentile(sums, 0.95))) "
            + "| \(ms(percentile(detects, 0.5))) / \(ms(percentile(detects, 0.95))) "
            + "| \(ms(percentile(leaderTicks, 0.5))) / \(ms(percentile(leaderTicks, 0.95))) "
            + "| \(Int(percentile(rows, 0.5))) | \(String(format: "%.0f", percentile(bytes, 0.5) / 1024)) "
            + "| \(String(format: "%.0f", walBytes / 1024)) |")
        for node in nodes { await node.leave() }
        try await store.close()
        _ = try await administer("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", on: server)
    }
}
