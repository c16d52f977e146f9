import History
import ServiceLifecycle

/// The per-minute history's writer and pruner as a service. Listed before detection, so it
/// stops after it: detection's last tick closes the minute being counted, and this writes it.
struct HistoryService: Service {
    let recorder: HistoryRecorder

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await recorder.run()
        }
        await recorder.flush()
    }
}
