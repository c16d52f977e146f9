import Synchronization

/// Lets one task sleep until rung or until a timeout, whichever comes first — the delivery
/// worker's wait between polls, cut short when a send finishes (a slot is free) or shutdown
/// begins. A ring with no one waiting is kept for the next wait, so none is lost.
final class Doorbell: Sendable {
    private struct State {
        var rung = false
        var waiter: CheckedContinuation<Void, Never>?
        var generation = 0
    }

    private let state = Mutex(State())

    func ring() { wake(generation: nil) }

    /// Returns when rung (also by a ring that came before the call) or after `timeout`.
    func wait(upTo timeout: Duration) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let generation = state.withLock { state -> Int? in
                if state.rung {
                    state.rung = false
                    return nil
                }
                state.waiter = continuation
                state.generation += 1
                return state.generation
            }
            guard let generation else { return continuation.resume() }
            Task {
                try? await Task.sleep(for: timeout)
                self.wake(generation: generation)
            }
        }
    }

    /// Resumes the waiter — only the one of `generation` for a timer, any for a ring.
    private func wake(generation: Int?) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                if generation == nil { state.rung = true }
                return nil
            }
            if let generation, generation != state.generation { return nil }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }
}
