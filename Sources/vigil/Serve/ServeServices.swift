import API
import Analyze
import Detect
import Ingest
import Logging
import ServiceLifecycle

/// The receive threads as a service: started with the group; at graceful shutdown they stop
/// reading and the shards count everything already received (HTTP has stopped before).
struct ReceiverService: Service {
    let receiver: Receiver
    let tap: TapWriter?
    let logger: Logger

    func run() async throws {
        receiver.start()
        try? await gracefulShutdown()
        receiver.stop()
        tap?.close()
        logger.info("receiver stopped and shards drained", metadata: ["backlog": "\(receiver.shards.backlog)"])
    }
}

/// Live detection as a service: ticks until graceful shutdown, judges a last time, then writes
/// what is queued (alerts, resolutions, baselines) to the store before the group lets the store
/// close; a cluster member then leaves the cluster.
struct DetectionService: Service {
    let detection: LiveDetection
    let writer: AlertWriter
    /// The store's state at start (baselines, keys of alerts still unresolved); `nil` for a
    /// cluster member, which starts detection when it leads.
    let start: DetectionStart?

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await detection.run(start: start)
        }
        await writer.flush()
        await detection.close()
    }
}

/// The first service to hear of shutdown (it is listed last): `/health` turns 503 at once,
/// while HTTP still answers.
struct ReadinessService: Service {
    let readiness: Readiness
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        readiness.beginDraining()
        logger.info("shutting down")
    }
}

/// The analysis queue as a service: started first, so it stops last — after detection has
/// written (and handed over) its final alerts. At shutdown it gives the analyses in flight a
/// short grace, then the rest get the offline analysis, so no stored alert stays "pending".
struct AnalysisService: Service {
    let queue: AnalysisQueue
    /// Part of the shutdown budget the analyses in flight may still take.
    let grace: Duration

    func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await queue.run() }
            try? await gracefulShutdown()
            await queue.waitUntilIdle(timeout: grace)
            queue.shutdown(reason: "analysis stopped at shutdown")
            await group.waitForAll()
        }
    }
}
