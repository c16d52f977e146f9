import CVigilSockets
import Glibc
import Logging
import Syslog
import Synchronization

/// One UDP receive thread: its own socket (`SO_REUSEPORT`, so the kernel spreads datagrams over
/// the threads bound to the same address), `recvmmsg` into preallocated slots, parse in place,
/// one hop per shard per batch.
final class UDPReceiveLoop: @unchecked Sendable {
    // Everything below is touched only by the loop's own thread once `run` starts (and by
    // `init`/`deinit` before and after), which is why `@unchecked Sendable` is sound.
    let socket: UDPSocket
    private let batchSize: Int
    private let slotSize: Int
    private let slots: UnsafeMutableRawPointer
    private let names: UnsafeMutablePointer<sockaddr_storage>
    private let iovecs: UnsafeMutablePointer<iovec>
    private let headers: UnsafeMutablePointer<CVigilMMsgHdr>
    private var builder: BatchBuilder
    private let counters: ThreadCounters
    private let logger: Logger
    /// `syslog.allow`; `nil` when everyone may send (no check per datagram at all).
    private let allowlist: SourceAllowlist?

    init(
        socket: UDPSocket, batchSize: Int, slotSize: Int, shards: ShardSet, parser: SyslogParser,
        counters: ThreadCounters, allowlist: SourceAllowlist = .everyone, logger: Logger
    ) {
        self.logger = logger
        self.allowlist = allowlist.allowsEveryone ? nil : allowlist
        self.socket = socket
        self.batchSize = batchSize
        self.slotSize = slotSize
        self.counters = counters
        slots = .allocate(byteCount: batchSize * slotSize, alignment: 16)
        names = .allocate(capacity: batchSize)
        iovecs = .allocate(capacity: batchSize)
        headers = .allocate(capacity: batchSize)
        for i in 0..<batchSize {
            iovecs[i] = iovec(iov_base: slots + i * slotSize, iov_len: slotSize)
            headers[i] = CVigilMMsgHdr()
            headers[i].msg_hdr.msg_name = UnsafeMutableRawPointer(names + i)
            headers[i].msg_hdr.msg_iov = iovecs + i
            headers[i].msg_hdr.msg_iovlen = 1
        }
        builder = BatchBuilder(shards: shards, counters: counters, parser: parser, dropsWhenFull: true)
    }

    deinit {
        slots.deallocate()
        names.deallocate()
        iovecs.deallocate()
        headers.deallocate()
    }

    /// Batches go to the shards when this many messages are pending or the oldest has waited
    /// this long: at a paced rate `recvmmsg` returns a few datagrams at a time, and a Dispatch
    /// hop per shard per call would cost more than the messages themselves. 10 ms (was 2) makes
    /// a shard's wake-up carry five times the messages at 200 k/s; ticks are seconds long.
    static let flushCount = 1024
    static let flushAgeNanoseconds: Int64 = 10_000_000
    /// When a call returned only a few datagrams, wait this long before the next one so that
    /// more accumulate (interrupt coalescing, in user space): at a steady paced rate each wake-up
    /// otherwise yields a handful of datagrams and the wake-ups cost more than the datagrams.
    /// Adds at most this much latency; the socket buffer holds thousands of times more. 1 ms
    /// below half a batch of 128 (was 200 µs below a quarter of 64): at 100 k/s per thread a
    /// wake-up then carries about 100 datagrams instead of about 20 (UDP at 200 k/s: 1.71 → 1.48
    /// µs/msg with 500 µs and 64, then 6 % less again; medians of alternating runs).
    static let coalesceMicroseconds: UInt32 = 1000

    /// Receives until `stop` is set (noticed within the socket's receive timeout).
    func run(until stop: StopFlag) {
        var pending = 0
        var oldestPending: Int64 = 0
        while !stop.isSet {
            for i in 0..<batchSize {
                headers[i].msg_hdr.msg_namelen = socklen_t(MemoryLayout<sockaddr_storage>.size)
                headers[i].msg_hdr.msg_flags = 0
            }
            let n = CVigil_recvmmsg(socket.fd, headers, UInt32(batchSize), CVigil_MSG_WAITFORONE, nil)
            if n <= 0 {
                if pending > 0 {  // quiet socket (receive timeout): deliver what is held
                    builder.flush()
                    pending = 0
                }
                if n < 0, errno != EAGAIN, errno != EWOULDBLOCK, errno != EINTR {
                    logger.error("UDP receive failed; this thread stops", metadata: [
                        "address": "\(socket.address)", "error": "\(errnoDescription())",
                    ])
                    break
                }
                continue
            }
            let now = wallClockNanoseconds()
            var truncated = 0
            var notAllowed = 0
            for i in 0..<Int(n) {
                if let allowlist, !allowlist.allows(sockaddr: UnsafeRawPointer(names + i)) {
                    notAllowed += 1  // dropped before parsing
                    continue
                }
                let length = min(Int(headers[i].msg_len), slotSize)
                if headers[i].msg_hdr.msg_flags & CVigil_MSG_TRUNC != 0 { truncated += 1 }
                let datagram = UnsafeRawBufferPointer(start: slots + i * slotSize, count: length)
                builder.add(datagram, peer: PeerAddress(UnsafeRawPointer(names + i)), receivedAt: now)
            }
            counters.truncatedDatagrams.publish(truncated)
            counters.droppedNotAllowed.publish(notAllowed)
            if pending == 0 { oldestPending = now }
            pending += Int(n)
            if pending >= Self.flushCount || now - oldestPending >= Self.flushAgeNanoseconds {
                builder.flush()
                pending = 0
            }
            if Int(n) < batchSize / 2 { usleep(Self.coalesceMicroseconds) }
        }
        builder.flush()
    }
}

/// A bound UDP socket with the receive buffer asked for.
struct UDPSocket: Sendable {
    let fd: Int32
    let address: SocketAddress
    /// What the kernel granted (it reports twice the usable size, as `socket(7)` explains).
    let receiveBufferBytes: Int

    struct SetupError: Error, CustomStringConvertible {
        let description: String
    }

    /// Opens, configures and binds. `SO_RCVBUFFORCE` is tried first (root, as rsyslog does) so
    /// `net.core.rmem_max` does not cap the buffer; otherwise `SO_RCVBUF`, capped by the kernel.
    init(binding address: SocketAddress, receiveBuffer: Int) throws(SetupError) {
        let fd = SocketCalls.open(for: address, type: SOCK_DGRAM)
        guard fd >= 0 else { throw SetupError(description: "cannot open a UDP socket: \(errnoDescription())") }
        SocketCalls.setOption(fd, SOL_SOCKET, CVigil_SO_REUSEPORT, 1)
        let size = Int32(clamping: receiveBuffer)
        if !SocketCalls.setOption(fd, SOL_SOCKET, CVigil_SO_RCVBUFFORCE, size) {
            SocketCalls.setOption(fd, SOL_SOCKET, SO_RCVBUF, size)
        }
        var granted: Int32 = 0
        var grantedLength = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &granted, &grantedLength)
        // A receive timeout lets the loop notice shutdown without a signal, and bounds how long a
        // quiet socket holds a partial batch (50 ms).
        var timeout = timeval(tv_sec: 0, tv_usec: 50_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard SocketCalls.bind(fd, to: address) else {
            let reason = errnoDescription()
            close(fd)
            throw SetupError(description: "cannot bind UDP \(address): \(reason)")
        }
        self.fd = fd
        self.address = address
        self.receiveBufferBytes = Int(granted)
    }
}
