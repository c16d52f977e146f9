import Glibc
import Testing
@testable import Ingest

/// `syslog.allow`: CIDR parsing and matching on raw socket addresses, IPv4, IPv6 and mapped.
@Suite struct SourceAllowlistTests {
    @Test(arguments: [
        ("10.0.0.0/8", "10.200.3.4:514", true),
        ("10.0.0.0/8", "11.0.0.1:514", false),
        ("127.0.0.1", "127.0.0.1:40000", true),
        ("127.0.0.1", "127.0.0.2:40000", false),
        ("192.168.1.128/25", "192.168.1.200:1", true),
        ("192.168.1.128/25", "192.168.1.127:1", false),
        ("0.0.0.0/0", "203.0.113.9:1", true),
        ("2001:db8::/32", "[2001:db8:ffff::1]:514", true),
        ("2001:db8::/32", "[2001:db9::1]:514", false),
        ("::1", "[::1]:514", true),
        ("::1", "127.0.0.1:514", false),
        ("2001:db8:0:0:8000::/65", "[2001:db8::8000:0:0:1]:1", true),
        ("2001:db8:0:0:8000::/65", "[2001:db8::7fff:0:0:1]:1", false),
        ("10.0.0.0/8", "[::ffff:10.1.2.3]:514", true),
        ("10.0.0.0/8", "[::ffff:11.1.2.3]:514", false),
    ])
    func matchesByNetwork(rule: String, peer: String, allowed: Bool) throws {
        let allowlist = try SourceAllowlist(parsing: [rule])
        #expect(allowlist.allows(try SocketAddress(parsing: peer)) == allowed)
    }

    @Test func anEmptyListAllowsEveryoneAndSeveralRulesAreAlternatives() throws {
        #expect(try SourceAllowlist(parsing: []).allowsEveryone)
        #expect(SourceAllowlist.everyone.allows(try SocketAddress(parsing: "198.51.100.1:9")))
        let list = try SourceAllowlist(parsing: ["10.0.0.0/8", "2001:db8::/32", " 127.0.0.1 "])
        for peer in ["10.1.1.1:1", "[2001:db8::5]:1", "127.0.0.1:1"] { #expect(list.allows(try SocketAddress(parsing: peer))) }
        for peer in ["172.16.0.1:1", "[fe80::1]:1", "127.0.0.2:1"] { #expect(!list.allows(try SocketAddress(parsing: peer))) }
    }

    @Test(arguments: ["10.0.0.1/8", "10.0.0.0/33", "2001:db8::/129", "example.net", "10.0.0.0/x", "", "::1/-1"])
    func badEntriesAreRefusedWithTheReason(entry: String) {
        #expect(throws: SourceAllowlist.ParseError.self) { try SourceAllowlist(parsing: [entry]) }
    }

    @Test func aHostBitTypoSuggestsTheNetwork() {
        do {
            _ = try SourceAllowlist(parsing: ["10.1.2.3/8"])
            Issue.record("accepted")
        } catch {
            #expect(error.description.contains("10.0.0.0/8"), "\(error)")
        }
    }

    @Test func udpFromAnotherLoopbackSourceIsDroppedBeforeParsingAndCounted() async throws {
        let shards = ShardSet(configuration: .init(shardCount: 2))
        let receiver = try Receiver(
            configuration: .init(
                udp: [try SocketAddress(parsing: "127.0.0.1:0")], tcp: [try SocketAddress(parsing: "127.0.0.1:0")],
                udpThreads: 1, tcpThreads: 1, receiveBufferBytes: 1 << 20, allow: try SourceAllowlist(parsing: ["127.0.0.1/32"])),
            shards: shards, logger: .init(label: "test"))
        receiver.start()
        defer { receiver.stop() }
        let allowed = try TestClient(udpTo: receiver.boundUDP[0])
        let other = try TestClient(udpTo: receiver.boundUDP[0], from: "127.0.0.2")
        defer { allowed.close(); other.close() }
        for i in 0..<20 {
            try allowed.send("<14>1 - h allowed - - - ok \(i)")
            try other.send("<14>1 - h intruder - - - no \(i)")
        }
        // A TCP connection from the other source is closed before anything is read.
        let tcpOther = try TestClient(tcpTo: receiver.boundTCP[0], from: "127.0.0.2")
        try? tcpOther.send("<14>1 - h intruder - - - over tcp\n")
        tcpOther.close()
        try await waitUntilProcessed(receiver, 20)
        let deadline = ContinuousClock.now + .seconds(10)
        while receiver.metrics().refusedConnections[.tcp] == 0 || receiver.metrics().dropped["not_allowed"] != 20, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        receiver.shards.drain()
        let metrics = receiver.metrics()
        #expect(metrics.received[.udp] == 20)
        #expect(metrics.received[.tcp] == 0)
        #expect(metrics.dropped["not_allowed"] == 20)
        #expect(metrics.refusedConnections[.tcp] == 1)
        #expect(totals(receiver) == ["allowed": 20])
    }
}
