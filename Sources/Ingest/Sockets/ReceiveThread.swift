import CVigilSockets
import Glibc

/// A named POSIX thread running one receive loop. Receive loops block in the kernel
/// (`recvmmsg`, `epoll_wait`), so they get threads of their own rather than Dispatch or the
/// Swift concurrency pool.
final class ReceiveThread: @unchecked Sendable {
    // `thread` is written once in `start` before any other access and read in `join`.
    private var thread = pthread_t()
    private let name: String
    private let body: @Sendable () -> Void

    init(name: String, body: @escaping @Sendable () -> Void) {
        self.name = name
        self.body = body
    }

    func start() {
        let context = Unmanaged.passRetained(self).toOpaque()
        let result = pthread_create(&thread, nil, { context in
            let receiveThread = Unmanaged<ReceiveThread>.fromOpaque(context!).takeRetainedValue()
            CVigil_set_thread_name(String(receiveThread.name.prefix(15)))
            receiveThread.body()
            return nil
        }, context)
        precondition(result == 0, "pthread_create failed: \(result)")
    }

    func join() {
        pthread_join(thread, nil)
    }
}

/// Wall-clock time in nanoseconds since the epoch.
@inline(__always)
func wallClockNanoseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
}

/// `strerror` for the current `errno`.
func errnoDescription(_ code: Int32 = errno) -> String {
    String(cString: strerror(code))
}
