import Glibc
import Testing
@testable import Ingest

/// A plain POSIX client for sending to the receiver under test (loopback only).
struct TestClient {
    let fd: Int32

    /// `from`: a local source address to bind first (e.g. `127.0.0.2`: Linux routes all of
    /// 127/8 to the loopback interface, so it is a second sender on the same machine).
    init(udpTo address: SocketAddress, from source: String? = nil) throws {
        fd = Glibc.socket(address.family, Int32(SOCK_DGRAM.rawValue), 0)
        try Self.bind(fd, source)
        guard fd >= 0, address.withSockaddr({ connect(fd, $0, $1) }) == 0 else { throw ClientError.connect }
    }

    init(tcpTo address: SocketAddress, from source: String? = nil) throws {
        fd = Glibc.socket(address.family, Int32(SOCK_STREAM.rawValue), 0)
        try Self.bind(fd, source)
        guard fd >= 0, address.withSockaddr({ connect(fd, $0, $1) }) == 0 else { throw ClientError.connect }
    }

    private static func bind(_ fd: Int32, _ source: String?) throws {
        guard let source else { return }
        let local = try SocketAddress(parsing: "\(source):0")
        guard local.withSockaddr({ Glibc.bind(fd, $0, $1) }) == 0 else { throw ClientError.connect }
    }

    enum ClientError: Error { case connect, send }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw ClientError.send }
            offset += n
        }
    }

    func close() { _ = Glibc.close(fd) }
}

/// A receiver on ephemeral loopback ports, stopped by `stop()`.
func startReceiver(udp: [String] = ["127.0.0.1:0"], tcp: [String] = ["127.0.0.1:0"], maxMessageSize: Int = 65536) throws -> Receiver {
    let shards = ShardSet(configuration: .init(shardCount: 2))
    let receiver = try Receiver(
        configuration: .init(
            udp: try udp.map { try SocketAddress(parsing: $0) }, tcp: try tcp.map { try SocketAddress(parsing: $0) },
            udpThreads: 2, tcpThreads: 2, maxMessageSize: maxMessageSize, receiveBufferBytes: 4 << 20),
        shards: shards, logger: .init(label: "test"))
    receiver.start()
    return receiver
}

/// Waits (at most `seconds`) until the shards have counted `count` messages.
func waitUntilProcessed(_ receiver: Receiver, _ count: Int, seconds: Double = 10) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while receiver.metrics().shardProcessed < count, ContinuousClock.now < deadline {
        try await Task.sleep(for: .milliseconds(20))
    }
}

/// Trailing-window totals per service name.
func totals(_ receiver: Receiver) -> [String: Int] {
    var totals: [String: Int] = [:]
    for (service, counts) in receiver.shards.serviceSnapshot() { totals[service, default: 0] += counts.total }
    return totals
}
