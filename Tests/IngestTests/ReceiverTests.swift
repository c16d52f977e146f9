import Testing
@testable import Ingest

/// The receiver with real sockets on loopback: what is sent arrives, is counted per service,
/// and bad clients are counted without hurting good ones.
@Suite(.serialized) struct ReceiverTests {
    @Test func udpDatagramsAreCountedPerServiceAndSeverity() async throws {
        let receiver = try startReceiver(tcp: [])
        defer { receiver.stop() }
        let client = try TestClient(udpTo: receiver.boundUDP[0])
        defer { client.close() }
        for i in 0..<200 {
            try client.send("<\(i % 2 == 0 ? 11 : 14)>1 2024-05-14T09:21:07Z web01 \(i % 4 < 2 ? "api" : "db") - - - message \(i)")
        }
        try client.send("<13>May 14 09:21:07 web01 cron[1]: a BSD one")
        try client.send("<999>bad")
        try await waitUntilProcessed(receiver, 202)
        let metrics = receiver.metrics()
        #expect(metrics.received[.udp] == 202)
        #expect(metrics.parseErrors[.udp] == 1)
        #expect(totals(receiver) == ["api": 100, "db": 100, "cron": 1])
        let errors = receiver.shards.serviceSnapshot().reduce(0) { $0 + $1.counts.errors }
        #expect(errors == 100)  // PRI 11 = user.err
    }

    @Test func tcpMixesOctetCountingAndLineFramingAndDeliversAPartialFrameAtClose() async throws {
        let receiver = try startReceiver(udp: [])
        defer { receiver.stop() }
        let client = try TestClient(tcpTo: receiver.boundTCP[0])
        let octet = "<14>1 - h octet - - - one"
        try client.send("\(octet.utf8.count) \(octet)")
        try client.send("<14>1 - h line - - - two\n<14>May 14 09:21:07 h line: three\r\n")
        try client.send("<14>1 - h partial - - - no LF at the end")
        client.close()
        try await waitUntilProcessed(receiver, 4)
        #expect(receiver.metrics().received[.tcp] == 4)
        #expect(totals(receiver) == ["octet": 1, "line": 2, "partial": 1])
    }

    @Test func aFrameSplitAcrossManyWritesArrivesWhole() async throws {
        let receiver = try startReceiver(udp: [])
        defer { receiver.stop() }
        let client = try TestClient(tcpTo: receiver.boundTCP[0])
        defer { client.close() }
        let message = Array("<14>1 - h split - - - \(String(repeating: "x", count: 5000))".utf8)
        let framed = Array("\(message.count) ".utf8) + message
        for start in stride(from: 0, to: framed.count, by: 7) {
            try client.send(Array(framed[start..<min(start + 7, framed.count)]))
        }
        try await waitUntilProcessed(receiver, 1)
        #expect(totals(receiver) == ["split": 1])
        #expect(receiver.metrics().receivedBytes[.tcp] == message.count)
    }

    @Test func garbageAndOversizeClientsDoNotStopAGoodClient() async throws {
        let receiver = try startReceiver(udp: [], maxMessageSize: 64 * 1024)
        defer { receiver.stop() }
        let garbage = try TestClient(tcpTo: receiver.boundTCP[0])
        let huge = try TestClient(tcpTo: receiver.boundTCP[0])
        let good = try TestClient(tcpTo: receiver.boundTCP[0])
        var generator = SystemRandomNumberGenerator()
        try garbage.send((0..<200_000).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let big = "<14>1 - h huge - - - " + String(repeating: "y", count: 10_000_000)
        try huge.send("\(big.utf8.count) \(big)")
        for i in 0..<500 {
            let message = "<14>1 - h good - - - \(i)"
            try good.send("\(message.utf8.count) \(message)")
        }
        garbage.close()
        huge.close()
        good.close()
        let deadline = ContinuousClock.now + .seconds(10)
        while totals(receiver)["good"] ?? 0 < 500, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(totals(receiver)["good"] == 500)
        #expect(totals(receiver)["huge"] == nil)
        let metrics = receiver.metrics()
        #expect(metrics.dropped["oversize_frame", default: 0] >= 1)
    }

    @Test func ipv6LoopbackWorksForBothTransports() async throws {
        let receiver = try startReceiver(udp: ["[::1]:0"], tcp: ["[::1]:0"])
        defer { receiver.stop() }
        #expect(receiver.boundUDP[0].description.hasPrefix("[::1]:"))
        let udp = try TestClient(udpTo: receiver.boundUDP[0])
        try udp.send("<14>1 - h six-udp - - - x")
        udp.close()
        let tcp = try TestClient(tcpTo: receiver.boundTCP[0])
        try tcp.send("<14>1 - h six-tcp - - - y\n")
        tcp.close()
        try await waitUntilProcessed(receiver, 2)
        #expect(totals(receiver) == ["six-udp": 1, "six-tcp": 1])
    }

    @Test func aPortAlreadyTakenIsAClearError() throws {
        let first = try startReceiver(udp: [], tcp: ["127.0.0.1:0"])
        defer { first.stop() }
        let taken = first.boundTCP[0].description
        #expect(throws: Receiver.StartError.self) { _ = try startReceiver(udp: [], tcp: [taken]) }
    }
}

@Suite struct SocketAddressTests {
    @Test(arguments: [
        ("0.0.0.0:5514", "0.0.0.0:5514"), ("127.0.0.1:1", "127.0.0.1:1"), ("[::1]:5514", "[::1]:5514"),
        ("[::]:514", "[::]:514"), ("localhost:80", "127.0.0.1:80"),
    ])
    func parsesAndPrintsAddresses(_ text: String, printed: String) throws {
        #expect(try SocketAddress(parsing: text).description == printed)
    }

    @Test(arguments: ["5514", "host:5514", "1.2.3.4:70000", "[::1:5514", "1.2.3:5", ":5514"])
    func rejectsWhatIsNotAnAddress(_ text: String) {
        #expect(throws: SocketAddress.ParseError.self) { try SocketAddress(parsing: text) }
    }
}
