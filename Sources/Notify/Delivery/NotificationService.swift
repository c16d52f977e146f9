import ServiceLifecycle

/// The delivery worker as a swift-service-lifecycle service. On graceful shutdown it stops
/// claiming, lets sends in flight finish within `grace`, and leaves everything else pending for
/// the next start; it then shuts the transport down.
public struct NotificationService: Service {
    public let worker: DeliveryWorker
    public let transport: any NotificationTransport
    /// Part of the shutdown budget sends in flight may still take.
    public let grace: Duration

    public init(worker: DeliveryWorker, transport: any NotificationTransport, grace: Duration) {
        self.worker = worker
        self.transport = transport
        self.grace = grace
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await worker.run(grace: grace)
        } onGracefulShutdown: {
            worker.stop()
        }
        await transport.shutdown()
    }
}
