import Dispatch
import Testing
@testable import Ingest

/// The HTTP transport's door into the shards: frames the API built take the syslog path and
/// are counted under `transport="http"`; saturated shards refuse a request whole, counted.
@Suite struct HTTPIngestTests {
    @Test func framesAreParsedShardedAndCountedAsHTTP() async throws {
        let receiver = try startReceiver(udp: [], tcp: [])
        defer { receiver.stop() }
        let frames = [
            "<11>1 2024-01-15T10:30:00Z - payment-api - - - Database connection timeout",
            "<14>1 - - payment-api - - - ok",
            "<14>1 - - auth - - - ok",
            "<999>1 not syslog",
        ].map { Array($0.utf8) }
        let outcome = receiver.http.submit(frames, rejected: 2, peer: try SocketAddress(parsing: "127.0.0.1:40000"))
        #expect(outcome == .queued(parsed: 3, failed: 1))
        try await waitUntilProcessed(receiver, 4)
        let metrics = receiver.metrics()
        #expect(metrics.received[.http] == 6)  // four frames and two entries the API refused
        #expect(metrics.parseErrors[.http] == 3)
        #expect(metrics.received[.udp] == 0 && metrics.received[.tcp] == 0)
        #expect(totals(receiver) == ["payment-api": 2, "auth": 1])
        #expect(receiver.shards.serviceSnapshot().reduce(0) { $0 + $1.counts.errors } == 1)
    }

    @Test func saturatedShardsRefuseTheWholeRequestAndCountIt() async throws {
        let shards = ShardSet(configuration: .init(shardCount: 1, maxPendingPerShard: 2))
        let receiver = try Receiver(configuration: .init(udp: [], tcp: []), shards: shards, logger: .init(label: "test"))
        defer { receiver.stop() }
        // Hold the only shard's queue so that what is queued stays pending.
        let hold = DispatchSemaphore(value: 0)
        shards.shards[0].queue.async { hold.wait() }
        let frame = Array("<14>1 - - svc - - - m".utf8)
        #expect(receiver.http.submit([frame, frame], peer: nil) == .queued(parsed: 2, failed: 0))
        #expect(receiver.http.submit([frame, frame, frame], peer: nil) == .saturated)
        hold.signal()
        shards.drain()
        let metrics = receiver.metrics()
        #expect(metrics.received[.http] == 5)
        #expect(metrics.dropped["shard_queue_full"] == 3)
        #expect(metrics.shardProcessed == 2)
        #expect(receiver.http.submit([frame], peer: nil) == .queued(parsed: 1, failed: 0))
    }
}
