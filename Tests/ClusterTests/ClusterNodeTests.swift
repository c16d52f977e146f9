import Detect
import Foundation
import Testing
@testable import Cluster
@testable import Store

/// Several nodes on one real PostgreSQL database (one database per test), driven tick by tick.
@Suite(.serialized, .enabled(if: ClusterTestServer.isConfigured, ClusterTestServer.skipReason))
struct ClusterNodeTests {
    /// A tick boundary near now (tick 1 s), so that the server's clock and the ticks agree.
    static func boundary() -> Int64 { Int64(Date().timeIntervalSince1970) }

    /// Steps every node at `boundary` at the same moment; results in the nodes' order.
    static func stepAll(_ nodes: [(ClusterNode, @Sendable (Int64) -> InstanceTick)], at boundary: Int64) async -> [ClusterStep] {
        await withTaskGroup(of: (Int, ClusterStep).self) { group in
            for (index, (node, local)) in nodes.enumerated() {
                group.addTask { (index, await node.step(boundary: boundary, local: local)) }
            }
            var results = [ClusterStep?](repeating: nil, count: nodes.count)
            for await (index, step) in group { results[index] = step }
            return results.map { $0 ?? .stalled("missing") }
        }
    }

    @Test func aSecondLiveInstanceWithTheSameNameIsRefused() async throws {
        try await ClusterTestServer.withFreshDatabase { location, store in
            let first = try await ClusterTestServer.join("web-1:8000", location, store)
            await #expect(throws: ClusterError.nameTaken("web-1:8000")) {
                _ = try await ClusterTestServer.join("web-1:8000", location, store)
            }
            let other = try await ClusterTestServer.join("web-2:8000", location, store)
            await first.leave()
            // Its session is gone, and the name with it: a replacement may start. The server
            // frees the lock when the session's backend exits, which follows the client's close
            // by a moment (longer on a loaded machine): allow it two seconds.
            var replacement: ClusterNode?
            for _ in 0..<20 where replacement == nil {
                do {
                    replacement = try await ClusterTestServer.join("web-1:8000", location, store)
                } catch ClusterError.nameTaken {
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            let rejoined = try #require(replacement, "the name was still taken 2 s after its instance left")
            await rejoined.leave()
            await other.leave()
        }
    }

    @Test func oneLeaderJudgesTheSumOfEveryInstancesCountsFlushedAsOneRowPerInstanceAndTick() async throws {
        try await ClusterTestServer.withFreshDatabase { location, store in
            var nodes: [(ClusterNode, @Sendable (Int64) -> InstanceTick)] = []
            for (index, name) in ["a", "b", "c"].enumerated() {
                let node = try await ClusterTestServer.join(name, location, store)
                nodes.append((node, fixedTick(["api": counts((6, 10 * (index + 1)), (3, index)), "db-\(name)": counts((6, 1))])))
            }
            let boundary = Self.boundary()
            let steps = await Self.stepAll(nodes, at: boundary)
            let leaders = steps.compactMap(\.leaderTick)
            #expect(leaders.count == 1)
            #expect(steps.filter(\.isFollower).count == 2)
            let leader = try #require(leaders.first)
            #expect(leader.elected)
            let tick = boundary - 1
            // 10 + 20 + 30 info messages, 0 + 1 + 2 errors: the cluster's, not one instance's.
            #expect(leader.counts("api", at: tick) == counts((6, 60), (3, 3)))
            #expect(leader.counts("db-b", at: tick) == counts((6, 1)))
            #expect(leader.observedSince == tick)

            let rows = try await ClusterTestServer.column(
                "SELECT instance || ':' || tick || ':' || array_length(services, 1) FROM cluster_counts ORDER BY instance", in: location)
            #expect(rows == ["a:\(tick):2", "b:\(tick):2", "c:\(tick):2"])

            // The next tick: the leader stays, no longer "elected", and reads only the new tick.
            let next = await Self.stepAll(nodes, at: boundary + 1)
            let again = try #require(next.compactMap(\.leaderTick).first)
            #expect(!again.elected)
            #expect(again.ticks.map(\.tick) == [tick + 1])
            for (node, _) in nodes { await node.leave() }
        }
    }

    @Test func instancesStartingAtTheSameMomentElectExactlyOneLeader() async throws {
        try await ClusterTestServer.withFreshDatabase { location, store in
            let nodes = try await withThrowingTaskGroup(of: ClusterNode.self) { group in
                for name in ["n1", "n2", "n3", "n4"] {
                    group.addTask { try await ClusterTestServer.join(name, location, store) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let local = fixedTick(["api": counts((6, 1))])
            let boundary = Self.boundary()
            for offset in 0..<3 {
                let steps = await Self.stepAll(nodes.map { ($0, local) }, at: boundary + Int64(offset))
                #expect(steps.compactMap(\.leaderTick).count == 1)
            }
            for node in nodes { await node.leave() }
        }
    }

    @Test func aFollowerTakesOverOnTheNextTickWhenTheLeadersSessionEnds() async throws {
        try await ClusterTestServer.withFreshDatabase { location, store in
            let a = try await ClusterTestServer.join("a", location, store)
            let b = try await ClusterTestServer.join("b", location, store)
            let local = fixedTick(["api": counts((6, 5))])
            let boundary = Self.boundary()
            // a leads alone for three ticks, then b joins the ticks.
            for offset in 0..<3 { #expect(await a.step(boundary: boundary + Int64(offset), local: local).leaderTick != nil) }
            let steps = await Self.stepAll([(a, local), (b, local)], at: boundary + 3)
            #expect(steps[0].leaderTick != nil && steps[1].isFollower)

            // The leader's session ends as in a crash: the server terminates it.
            _ = try await ClusterTestServer.column(
                "SELECT pg_terminate_backend(pid)::text FROM pg_stat_activity WHERE application_name = 'vigil cluster a'", in: location)
            try await Task.sleep(for: .milliseconds(200))
            let takeover = try #require(await b.step(boundary: boundary + 4, local: local).leaderTick)
            #expect(takeover.elected)
            // Resumed from the database: the window's ticks, with what a had flushed alone.
            let ticks = takeover.ticks.map(\.tick)
            #expect(ticks == Array((boundary - 1)...(boundary + 3)))
            #expect(takeover.counts("api", at: boundary - 1) == counts((6, 5)))
            #expect(takeover.counts("api", at: boundary + 2) == counts((6, 10)))
            #expect(takeover.observedSince == boundary - 1)
            // a reconnects (its name is free again) as a follower.
            #expect(await a.step(boundary: boundary + 5, local: local).isFollower)
            #expect(a.status.role == .follower)
            #expect(b.status.role == .leader)
            await a.leave()
            await b.leave()
        }
    }

    @Test func aLateFlushIsTakenUpOnALaterTick() async throws {
        try await ClusterTestServer.withFreshDatabase { location, store in
            let a = try await ClusterTestServer.join("a", location, store, grace: 0.3)
            let b = try await ClusterTestServer.join("b", location, store, grace: 0.3)
            let boundary = Self.boundary()
            // b is late for its first tick: the leader judges without it after the grace.
            let first = try #require(await a.step(boundary: boundary, local: fixedTick(["api": counts((6, 1))])).leaderTick)
            #expect(first.counts("api", at: boundary - 1) == counts((6, 1)))
            #expect(await b.step(boundary: boundary, local: fixedTick(["api": counts((6, 2))])).isFollower)
            let second = try #require(await a.step(boundary: boundary + 1, local: fixedTick(["api": counts((6, 1))])).leaderTick)
            #expect(second.ticks.map(\.tick) == [boundary - 1, boundary])
            #expect(second.counts("api", at: boundary - 1) == counts((6, 3)))
            await a.leave()
            await b.leave()
        }
    }

    @Test func aSilentMemberIsDroppedAfterTheTimeoutAndOneThatLeavesAtOnce() async throws {
        try await ClusterTestServer.withFreshDatabase { location, store in
            let a = try await ClusterTestServer.join("a", location, store, memberTimeout: 2, grace: 0.2)
            let b = try await ClusterTestServer.join("b", location, store, memberTimeout: 2, grace: 0.2)
            let c = try await ClusterTestServer.join("c", location, store, memberTimeout: 2, grace: 0.2)
            let local = fixedTick(["api": counts((6, 1))])
            let boundary = Self.boundary()
            _ = await Self.stepAll([(a, local), (b, local), (c, local)], at: boundary)
            #expect(Set(a.status.members.map(\.instance)) == ["a", "b", "c"])
            // c leaves cleanly: out of the sum at once.
            await c.leave()
            _ = await Self.stepAll([(a, local), (b, local)], at: boundary + 1)
            #expect(Set(a.status.members.map(\.instance)) == ["a", "b"])
            #expect(a.status.dropped.map(\.instance) == ["c"])
            // b goes silent: dropped once it has not flushed for the timeout (2 s).
            let deadline = Date().addingTimeInterval(8)
            var offset: Int64 = 2
            while a.status.members.contains(where: { $0.instance == "b" }), Date() < deadline {
                try await Task.sleep(for: .milliseconds(500))
                _ = await a.step(boundary: boundary + offset, local: local)
                offset += 1
            }
            #expect(a.status.members.map(\.instance) == ["a"])
            #expect(Set(a.status.dropped.map(\.instance)) == ["b", "c"])
            let member = try #require(a.status.members.first)
            #expect(member.lastTick == boundary + offset - 2)
            await a.leave()
            await b.leave()
        }
    }

    @Test func aTemplateLearnedOnSeveralInstancesHasOneIDAndOneNovelEpisode() async throws {
        try await ClusterTestServer.withFreshDatabase { location, store in
            let boundary = Self.boundary()
            let first = boundary - 1
            // Three instances saw the same new error shape; two gave it another id (another first message).
            func template(_ id: UInt64, _ firstSeen: Int64) -> TemplateTickCount {
                TemplateTickCount(
                    service: "api", id: id, count: 3, severity: 3, text: "connection to <*> refused",
                    example: "connection to 10.0.0.\(id) refused", firstSeen: firstSeen)
            }
            var nodes: [(ClusterNode, @Sendable (Int64) -> InstanceTick)] = []
            for (name, id, seen) in [("a", UInt64(0xaaaa), first), ("b", UInt64(0xbbbb), first - 1), ("c", UInt64(0xaaaa), first)] {
                let node = try await ClusterTestServer.join(name, location, store)
                nodes.append((node, fixedTick(["api": counts((3, 3))], templates: [template(id, seen)])))
            }
            let leader = try #require(await Self.stepAll(nodes, at: boundary).compactMap(\.leaderTick).first)
            // One template, the earliest sighting's id, the occurrences of all three.
            #expect(leader.templates.novel.count == 1)
            let novel = try #require(leader.templates.novel.first)
            #expect(novel.sample.templateID == "000000000000bbbb")
            #expect(novel.sample.count == 9)
            #expect(novel.since == first - 1)
            #expect(leader.templates.top["api"]?.map(\.templateID) == ["000000000000bbbb"])
            // Saved at once, the other id as an alias: a leader taking over keeps the id.
            let saved = try await store.loadTemplates()
            #expect(saved.map(\.id) == [0xbbbb])
            #expect(saved.first?.aliases == [0xaaaa])
            for (node, _) in nodes { await node.leave() }
        }
    }

    @Test func theLeaderPrunesCountRowsPastTheRetention() async throws {
        try await ClusterTestServer.withFreshDatabase { location, store in
            let node = try await ClusterTestServer.join("a", location, store)
            let local = fixedTick(["api": counts((6, 1))])
            let now = Self.boundary()
            // A row from long ago (as after a long outage), then the current tick.
            _ = await node.step(boundary: now - 2_000, local: local)
            #expect(try await ClusterTestServer.column("SELECT count(*)::text FROM cluster_counts", in: location) == ["1"])
            let leader = try await ClusterNode.join(
                location: location,
                configuration: ClusterConfiguration(instanceName: "b", tickSeconds: 1, windowSeconds: 10, retentionSeconds: 60),
                store: store, templates: .init(tickSeconds: 1, bucketsPerWindow: 10), restored: [], logger: ClusterTestServer.logger)
            await node.leave()
            _ = await leader.step(boundary: now, local: local)
            let ticks = try await ClusterTestServer.column("SELECT tick::text FROM cluster_counts ORDER BY tick", in: location)
            #expect(ticks == ["\(now - 1)"])
            await leader.leave()
        }
    }
}
