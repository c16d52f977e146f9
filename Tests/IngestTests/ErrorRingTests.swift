import Testing
@testable import Ingest
@testable import Syslog

/// The error ring: bounded, newest kept, merged across receive threads newest first.
@Suite struct ErrorRingTests {
    private let peer = PeerAddress(try! SocketAddress(parsing: "192.0.2.1:514"))

    private func record(_ ring: ErrorRing, _ text: String, at time: Int64) {
        let bytes = Array(text.utf8)
        bytes.withUnsafeBytes { ring.record(.text("bad \(text)"), offset: 3, peer: peer, receivedAt: time, message: $0) }
    }

    @Test func keepsTheLatestCapacityEntriesOldestFirst() {
        let ring = ErrorRing(capacity: 3)
        for i in 0..<10 { record(ring, "m\(i)", at: Int64(i)) }
        let entries = ring.snapshot(transport: .udp)
        #expect(entries.map(\.reason) == ["bad m7", "bad m8", "bad m9"])
        #expect(entries.map(\.receivedAt) == [7, 8, 9])
        #expect(entries.allSatisfy { $0.transport == .udp && $0.offset == 3 && $0.peer.description == "192.0.2.1:514" })
    }

    @Test func keepsTheFirst512BytesAndTheWholeLength() {
        let ring = ErrorRing(capacity: 2)
        let long = String(repeating: "x", count: 2000)
        record(ring, long, at: 1)
        let entry = ring.snapshot(transport: .tcp)[0]
        #expect(entry.bytes.count == 512)
        #expect(entry.length == 2000)
    }

    @Test func aZeroCapacityRingKeepsNothing() {
        let ring = ErrorRing(capacity: 0)
        record(ring, "x", at: 1)
        #expect(ring.snapshot(transport: .udp).isEmpty)
    }

    @Test func threadsAreMergedNewestFirstUpToTheLimit() {
        let a = ErrorRing(capacity: 10), b = ErrorRing(capacity: 10)
        for i in stride(from: 0, to: 10, by: 2) { record(a, "a\(i)", at: Int64(i)) }
        for i in stride(from: 1, to: 10, by: 2) { record(b, "b\(i)", at: Int64(i)) }
        let merged = (a.snapshot(transport: .udp) + b.snapshot(transport: .tcp)).newestFirst(limit: 4)
        #expect(merged.map(\.receivedAt) == [9, 8, 7, 6])
    }

    @Test func parseErrorsAndFramingErrorsOfTheReceiverLandInTheRing() async throws {
        let receiver = try startReceiver()
        defer { receiver.stop() }
        let udp = try TestClient(udpTo: receiver.boundUDP[0])
        try udp.send("<999>1 - - - - - bad priority")
        try udp.send("<14>1 - h good - - - fine")
        udp.close()
        let tcp = try TestClient(tcpTo: receiver.boundTCP[0])
        try tcp.send("<14>2024-13-45T99:00:00Z host app: not 5424\n<14>1 2024-13-01T00:00:00Z h a - - - bad month\n")
        tcp.close()
        try await waitUntilProcessed(receiver, 4)
        let errors = receiver.recentErrors(limit: 10)
        #expect(errors.count == 2, "\(errors.map(\.reason))")
        #expect(errors.contains { $0.transport == .udp && $0.reason.hasPrefix("bad PRI") && String(decoding: $0.bytes, as: UTF8.self) == "<999>1 - - - - - bad priority" })
        #expect(errors.contains { $0.transport == .tcp && $0.reason.hasPrefix("bad timestamp") })
        #expect(receiver.recentErrors(limit: 1).count == 1)
    }

    @Test func aFloodOfGarbageStaysBoundedPerThread() async throws {
        let shards = ShardSet(configuration: .init(shardCount: 1))
        let receiver = try Receiver(
            configuration: .init(udp: [try SocketAddress(parsing: "127.0.0.1:0")], tcp: [], udpThreads: 1, receiveBufferBytes: 4 << 20,
                                 errorRingCapacity: 50),
            shards: shards, logger: .init(label: "test"))
        receiver.start()
        defer { receiver.stop() }
        let client = try TestClient(udpTo: receiver.boundUDP[0])
        defer { client.close() }
        for i in 0..<2000 { try client.send("<999>garbage \(i)") }
        try await waitUntilProcessed(receiver, 1500, seconds: 20)
        receiver.shards.drain()
        #expect(receiver.recentErrors(limit: 10_000).count == 50)
    }
}
