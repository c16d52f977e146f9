/// Lets one store operation at a time use a connection.
///
/// A SQLite connection has one transaction state: if a second task's statement ran while a
/// transaction (migrations, a batch of baselines) was open, it would silently join it. An actor
/// alone does not prevent that, because it is re-entered at every `await`; this gate is held
/// across the awaits of a whole operation. Ownership passes straight to the next waiter (FIFO).
actor OperationGate {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func enter() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func leave() {
        if waiters.isEmpty {
            busy = false
        } else {
            waiters.removeFirst().resume()
        }
    }
}
