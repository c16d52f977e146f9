import Synchronization

/// Runs database work with a time limit without ever waiting longer than the limit: the work runs
/// in a task of its own and the caller gets the first of its result or the timeout. The cluster's
/// tick loop must keep ticking (and the receiver counting) while PostgreSQL is unreachable, and a
/// connection attempt or a query on a dead network can otherwise block for the TCP timeout.
///
/// Work that outlives its deadline is cancelled and left to finish in the background; its result
/// is dropped. Every statement the cluster runs is idempotent, so a late success does no harm.
public enum Deadline {
    public struct Expired: Error, CustomStringConvertible {
        public var seconds: Double
        public var description: String { "no answer within \(seconds) s" }
    }

    public static func run<T: Sendable>(seconds: Double, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let answer = FirstAnswer<T>()
        return try await withCheckedThrowingContinuation { continuation in
            answer.wait(continuation)
            let task = Task {
                do {
                    answer.give(.success(try await work()))
                } catch {
                    answer.give(.failure(error))
                }
            }
            Task {
                try? await Task.sleep(for: .seconds(seconds))
                if answer.give(.failure(Expired(seconds: seconds))) { task.cancel() }
            }
        }
    }
}

/// Resumes a continuation with the first answer given; later answers are ignored.
private final class FirstAnswer<T: Sendable>: Sendable {
    private let continuation = Mutex<CheckedContinuation<T, any Error>?>(nil)

    func wait(_ continuation: CheckedContinuation<T, any Error>) {
        self.continuation.withLock { $0 = continuation }
    }

    /// Whether this answer was the first.
    @discardableResult
    func give(_ result: Result<T, any Error>) -> Bool {
        continuation.withLock { waiting in
            guard let pending = waiting else { return false }
            pending.resume(with: result)
            waiting = nil
            return true
        }
    }
}
