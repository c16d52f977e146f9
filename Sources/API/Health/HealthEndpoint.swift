import Foundation
import Hummingbird
import Ingest
import Store
import Synchronization

/// `GET /health`: listeners, database reachability and queue depths. 200 when ready; 503 while
/// shutting down or when the database does not answer within two seconds (alerts then wait in
/// the write queue; syslog and HTTP ingest go on) — a load balancer should look elsewhere.
struct HealthEndpoint: Sendable {
    let dependencies: HTTPAPI.Dependencies
    let httpAddress: String
    let started = Date()

    func handle() async -> Response {
        let receiver = dependencies.receiver
        let metrics = receiver.metrics()
        let database = await Self.probe(dependencies.store)
        let draining = dependencies.readiness.isDraining
        let ready = !draining && database == nil
        var databaseObject: [String: Any] = ["reachable": database == nil]
        if let database { databaseObject["error"] = database }
        var body: [String: Any] = [
            "status": draining ? "shutting_down" : (ready ? "ok" : "unavailable"),
            "uptime_seconds": Int(Date().timeIntervalSince(started)),
            "listeners": [
                "udp": receiver.boundUDP.map(\.description),
                "tcp": receiver.boundTCP.map(\.description),
                "http": httpAddress,
            ] as [String: Any],
            "database": databaseObject,
            "queues": [
                "shard_backlog": metrics.shardBacklog,
                "alerts_pending": await dependencies.detection.pendingAlerts(),
                "analyses_pending": await dependencies.detection.pendingAnalyses(),
            ],
            "received": Dictionary(uniqueKeysWithValues: Transport.allCases.map { ($0.rawValue, metrics.received[$0] ?? 0) }),
        ]
        if let cluster = dependencies.cluster { body["cluster"] = cluster.clusterHealth().json }
        return JSONResponse.object(body, status: ready ? .ok : .serviceUnavailable)
    }

    /// `nil` when the store answers a trivial read within the time limit, else why not. The
    /// read runs in its own task: a store stuck on a dead server cannot hold the answer up.
    static func probe(_ store: any VigilStore, timeout: Duration = .seconds(2)) async -> String? {
        let answer = FirstAnswer()
        return await withCheckedContinuation { continuation in
            answer.wait(continuation)
            Task {
                do {
                    _ = try await store.alert(anomalyID: "")
                    answer.give(nil)
                } catch {
                    answer.give("\(error)")
                }
            }
            Task {
                try? await Task.sleep(for: timeout)
                answer.give("no answer within \(timeout)")
            }
        }
    }
}

/// Resumes a continuation with the first answer given; later answers are ignored.
private final class FirstAnswer: Sendable {
    private let continuation = Mutex<CheckedContinuation<String?, Never>?>(nil)

    func wait(_ continuation: CheckedContinuation<String?, Never>) {
        self.continuation.withLock { $0 = continuation }
    }

    func give(_ answer: String?) {
        continuation.withLock { waiting in
            waiting?.resume(returning: answer)
            waiting = nil
        }
    }
}
