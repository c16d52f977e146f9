import Detect
import Foundation
import Logging
import Store
import Synchronization

/// One `vigil serve` as a member of the cluster of every instance on the same PostgreSQL
/// database — the cluster's one seam to the rest of Vigil. Once per tick the detection loop calls
/// ``step(boundary:local:)``:
///
/// 1. **Flush.** This instance's counts of the tick just ended (per service and severity, per
///    template) go to `cluster_counts` in one statement. When the database is unreachable they
///    wait here (at most one window of ticks) and go, oldest first, when it returns.
/// 2. **Leadership.** The lock session tries for the leader's advisory lock (a follower takes
///    over on the first tick after the leader's session ended) or, on the leader, checks that the
///    session still answers.
/// 3. **Sum** (leader only). It waits, at most ``ClusterConfiguration/flushGraceSeconds``, for every
///    live member's flush of the tick, then reads the per-service sums of every tick whose rows
///    changed since it last read them (a late flush is taken up on a later tick), maps the
///    instances' template ids to the cluster's (``ClusterTemplates``) and hands all of it back:
///    the detector judges the sum as if one instance had received everything.
///
/// Followers get ``ClusterStep/follower`` and judge nothing. A newly elected leader also gets the
/// counts of the whole window back from the database, and the time they cover, so that it judges
/// at once with what the previous leader had.
public actor ClusterNode {
    public nonisolated let configuration: ClusterConfiguration
    private let session: ClusterSession
    private let database: ClusterDatabase
    private let store: any VigilStore
    private let logger: Logger
    private let templateConfiguration: ClusterTemplates.Configuration
    private let startedAt = Int64(Date().timeIntervalSince1970 * 1000)
    private let metrics = ClusterMetrics()
    private let latestStatus: Mutex<ClusterStatus>
    private let latestTimings = Mutex(StepTimings())

    /// Collected from the shards, not yet stored; oldest first, at most a window of ticks.
    private var pending: [InstanceTick] = []
    private var lastCollected: Int64?
    /// (service, id) pairs this instance has announced (or found in the cluster's templates).
    private var announced: Set<ClusterTemplates.Key> = []
    // Leader state, rebuilt from the database on election.
    private var templates: ClusterTemplates?
    /// Per tick of the window, the instances whose rows the leader has summed.
    private var consumed: [Int64: Set<String>] = [:]
    private var liveMembers: Set<String> = []
    /// Whether the detection side has had a tick since this leadership began.
    private var deliveredSinceElection = false
    /// Templates the leader has yet to save (new ones, and once per window the ones seen).
    private var unsaved: [ClusterTemplates.Key: PersistentTemplate] = [:]
    private var lastTemplateSave: Int64 = 0
    private var lastPrune: Int64 = 0
    private var activityCache: (tick: Int64, value: [(service: String, counts: SeverityCounts, lastSeenTick: Int64)])?

    private init(
        configuration: ClusterConfiguration, session: ClusterSession, database: ClusterDatabase, store: any VigilStore,
        templateConfiguration: ClusterTemplates.Configuration, announced: Set<ClusterTemplates.Key>, logger: Logger
    ) {
        self.configuration = configuration
        self.session = session
        self.database = database
        self.store = store
        self.templateConfiguration = templateConfiguration
        self.announced = announced
        self.logger = logger
        self.latestStatus = Mutex(ClusterStatus(role: .follower, instance: configuration.instanceName))
    }

    /// Joins: takes the instance name's lock (another live instance with the name → throws
    /// ``ClusterError/nameTaken(_:)``) and opens the cluster's connections. `restored` are the
    /// cluster's templates as loaded at start (known to the miners, so never announced again).
    public static func join(
        location: PostgresLocation, configuration: ClusterConfiguration, store: any VigilStore,
        templates: ClusterTemplates.Configuration, restored: [PersistentTemplate], logger: Logger
    ) async throws -> ClusterNode {
        let name = configuration.instanceName
        guard !name.isEmpty, name.utf8.count <= 200 else {
            throw ClusterError.invalidName(name, reason: "must be 1 to 200 bytes")
        }
        // Every statement of the tick loop is bounded relative to the tick, so that an outage
        // costs a few ticks of waiting, never the window the shards can hold.
        let session = try await ClusterSession.open(
            location: location, name: name, timeout: min(5, max(1, Double(configuration.tickSeconds))), logger: logger)
        let database: ClusterDatabase
        do {
            database = try ClusterDatabase(location: location, instanceName: name, logger: logger)
        } catch {
            await session.close()
            throw error
        }
        do {
            try await database.register(
                member: name, startedAt: Int64(Date().timeIntervalSince1970 * 1000), tickSeconds: configuration.tickSeconds,
                address: configuration.address)
        } catch {
            await session.close()
            await database.close()
            throw error
        }
        var announced = Set<ClusterTemplates.Key>()
        for template in restored {
            announced.insert(.init(service: template.service, id: template.id))
            for alias in template.aliases { announced.insert(.init(service: template.service, id: alias)) }
        }
        logger.info("cluster: joined", metadata: ["instance": "\(name)", "database": "\(location)"])
        return ClusterNode(
            configuration: configuration, session: session, database: database, store: store,
            templateConfiguration: templates, announced: announced, logger: logger)
    }

    /// For `/health`: role and membership as of the latest tick.
    public nonisolated var status: ClusterStatus { latestStatus.withLock { $0 } }

    /// Where the latest tick's time went (benchmarks/cluster).
    public nonisolated var timings: StepTimings { latestTimings.withLock { $0 } }

    // MARK: The tick

    /// One tick boundary `boundary` (seconds, a multiple of the tick): flush, leadership, and on
    /// the leader the summed counts. `local` reads this instance's counts of one tick.
    public func step(boundary: Int64, local: @Sendable (Int64) -> InstanceTick) async -> ClusterStep {
        let tick = boundary / configuration.tickSeconds - 1
        latestTimings.withLock { $0 = StepTimings() }
        collect(through: tick, local: local)
        let flushed = await flushPending()
        let state = await session.refresh()
        // When the flush failed the database is likely away: the membership read would only wait.
        let membership = flushed ? await readMembership(state: state) : noteUnreachable(state: state)

        guard state == .leader else {
            if templates != nil {
                logger.warning("cluster: no longer the leader", metadata: ["instance": "\(configuration.instanceName)", "session": "\(state)"])
            }
            templates = nil
            consumed = [:]
            metrics.leader.record(0)
            return .follower
        }
        metrics.leader.record(1)
        if templates == nil {
            do {
                try await takeOver()
            } catch {
                logger.error("cluster: cannot take over as leader; resigning", metadata: ["error": "\(error)"])
                templates = nil
                await session.resign()
                return .follower
            }
        }
        if let membership { noteMembership(membership, quiet: !deliveredSinceElection) }
        do {
            var step = try await sums(through: tick, boundary: boundary)
            step.elected = !deliveredSinceElection
            deliveredSinceElection = true
            await pruneIfDue(boundary: boundary)
            return .leader(step)
        } catch {
            logger.error("cluster: cannot read the counts; this tick is not judged", metadata: ["error": "\(error)"])
            return .stalled("\(error)")
        }
    }

    /// The leader's next tick hands over the whole window again, marked as a new leadership
    /// (``LeaderTick/elected``): for a detection side that could not start from this one.
    public func redeliverWindow() {
        consumed = [:]
        deliveredSinceElection = false
    }

    /// Leaves cleanly: flushes what is pending — with the tick now running, partly counted, when
    /// `now` is given (its counts are not lost with this instance) — marks this member as gone
    /// (the leader stops expecting it at once) and ends the lock session (a follower takes over
    /// on its next tick).
    public func leave(now: Int64? = nil, local: (@Sendable (Int64) -> InstanceTick)? = nil) async {
        if let now, let local { collect(through: now / configuration.tickSeconds, local: local) }
        await flushPending()
        do {
            try await Deadline.run(seconds: 2) { [database, name = configuration.instanceName] in
                try await database.leave(member: name)
            }
        } catch {
            logger.warning("cluster: could not record leaving", metadata: ["error": "\(error)"])
        }
        await session.close()
        await database.close()
        metrics.leader.record(0)
        logger.info("cluster: left", metadata: ["instance": "\(configuration.instanceName)"])
    }

    // MARK: Flush

    private func collect(through tick: Int64, local: @Sendable (Int64) -> InstanceTick) {
        let oldestInRing = tick - configuration.ticksPerWindow + 1
        var next = (lastCollected ?? tick - 1) + 1
        if next < oldestInRing {
            metrics.ticksLost.increment(by: Int(oldestInRing - next))
            next = oldestInRing
        }
        if next <= tick {
            for t in next...tick { pending.append(local(t)) }
        }
        lastCollected = max(lastCollected ?? tick, tick)
        let excess = pending.count - Int(configuration.ticksPerWindow)
        if excess > 0 {
            pending.removeFirst(excess)
            metrics.ticksLost.increment(by: excess)
            logger.error("cluster: counts of old ticks dropped, never flushed", metadata: ["ticks": "\(excess)"])
        }
        metrics.pendingTicks.record(pending.count)
    }

    /// Whether everything pending was stored.
    @discardableResult
    private func flushPending() async -> Bool {
        while let next = pending.first {
            let definitions = newDefinitions(next)
            let started = ContinuousClock.now
            do {
                try await Deadline.run(seconds: min(10, max(2, 2 * Double(configuration.tickSeconds)))) {
                    [database, configuration, startedAt] in
                    try await database.flush(
                        next, definitions: definitions, member: configuration.instanceName, startedAt: startedAt,
                        tickSeconds: configuration.tickSeconds, address: configuration.address)
                }
            } catch {
                metrics.flushErrors.increment()
                logger.error("cluster: cannot flush the counts; they wait for the database", metadata: [
                    "tick": "\(next.tick)", "pending_ticks": "\(pending.count)", "error": "\(error)",
                ])
                metrics.pendingTicks.record(pending.count)
                return false
            }
            let took = ContinuousClock.now - started
            metrics.flushDuration.record(duration: took)
            latestTimings.withLock { $0.flush += took.inSeconds }
            for definition in definitions { announced.insert(.init(service: definition.service, id: definition.id)) }
            pending.removeFirst()
        }
        metrics.pendingTicks.record(pending.count)
        return true
    }

    /// The templates of `tick` the cluster has not been told about.
    private func newDefinitions(_ tick: InstanceTick) -> [TemplateDefinition] {
        tick.templates.compactMap { template in
            guard !announced.contains(.init(service: template.service, id: template.id)) else { return nil }
            return TemplateDefinition(
                service: template.service, id: template.id, text: template.text, example: template.example,
                severity: template.severity, firstSeen: template.firstSeen)
        }
    }

    // MARK: Membership

    /// The status when the database did not take the flush: role from the session, the last
    /// membership kept, the reason shown.
    private func noteUnreachable(state: ClusterSession.State) -> ClusterMembership? {
        let problem = "the database did not take the latest flush (\(pending.count) ticks pending)"
        latestStatus.withLock { status in
            status.role = state == .leader ? .leader : .follower
            status.problem = problem
        }
        return nil
    }

    private func readMembership(state: ClusterSession.State) async -> ClusterMembership? {
        var problem: String?
        if case .disconnected(let reason) = state { problem = "lock session: \(reason)" }
        var membership: ClusterMembership?
        do {
            membership = try await Deadline.run(seconds: 2) { [database] in try await database.membership() }
        } catch {
            problem = (problem.map { $0 + "; " } ?? "") + "membership: \(error)"
        }
        let timeout = configuration.memberTimeoutSeconds
        latestStatus.withLock { status in
            status.role = state == .leader ? .leader : .follower
            status.problem = problem
            if let membership {
                status.readAt = membership.now
                status.members = membership.members.filter { $0.isLive(now: membership.now, timeoutSeconds: timeout) }
                status.dropped = membership.members.filter { !$0.isLive(now: membership.now, timeoutSeconds: timeout) }
            }
        }
        metrics.members.record(latestStatus.withLock { $0.members.count })
        return membership
    }

    /// Logs members joining, leaving and being dropped (the leader's account of the sum).
    private func noteMembership(_ membership: ClusterMembership, quiet: Bool) {
        let timeout = configuration.memberTimeoutSeconds
        let live = Set(membership.members.filter { $0.isLive(now: membership.now, timeoutSeconds: timeout) }.map(\.instance))
        if !quiet {
            for name in live.subtracting(liveMembers).sorted() {
                logger.notice("cluster: member joined the sum", metadata: ["member": "\(name)"])
            }
            for name in liveMembers.subtracting(live).sorted() {
                let member = membership.members.first { $0.instance == name }
                if let member, member.leftAt != nil {
                    logger.notice("cluster: member left", metadata: ["member": "\(name)"])
                } else {
                    let silent = member.map { "\((membership.now - $0.lastFlush) / 1000) s" } ?? "unknown"
                    logger.warning("cluster: member dropped from the sum: silent past cluster.member_timeout", metadata: [
                        "member": "\(name)", "silent_for": "\(silent)", "member_timeout": "\(timeout) s",
                    ])
                }
            }
        }
        for member in membership.members where member.tickSeconds != configuration.tickSeconds && live.contains(member.instance) {
            logger.error("cluster: member has another detection.tick; its counts are left out of the sum", metadata: [
                "member": "\(member.instance)", "its_tick": "\(member.tickSeconds) s", "tick": "\(configuration.tickSeconds) s",
            ])
        }
        liveMembers = live
    }

    // MARK: Leader

    /// A newly elected leader's state comes from the database: the cluster's templates (the
    /// rest — baselines, cooldowns, alerts — the detection side loads from the store).
    private func takeOver() async throws {
        let saved = try await store.loadTemplates()
        templates = ClusterTemplates(configuration: templateConfiguration, restoring: saved)
        deliveredSinceElection = false
        unsaved = [:]
        consumed = [:]
        liveMembers = []
        metrics.elections.increment()
        logger.notice("cluster: elected leader", metadata: [
            "instance": "\(configuration.instanceName)", "templates": "\(saved.count)",
        ])
    }

    private func sums(through tick: Int64, boundary: Int64) async throws -> LeaderTick {
        let waitStarted = ContinuousClock.now
        await waitForFlushes(of: tick, boundary: boundary)
        let started = ContinuousClock.now
        latestTimings.withLock { $0.wait = (started - waitStarted).inSeconds }
        let first = tick - configuration.ticksPerWindow + 1
        let flushed = try await database.flushedTicks(from: first, through: tick, tickSeconds: configuration.tickSeconds)
        let changed = flushed.keys.filter { flushed[$0] != consumed[$0] }.sorted()
        let (counts, templateSums) = try await database.tickSums(ticks: changed, tickSeconds: configuration.tickSeconds)
        var registry = templates ?? ClusterTemplates(configuration: templateConfiguration)
        let unknown = registry.servicesWithUnknownIDs(in: templateSums)
        if !unknown.isEmpty { registry.learn(try await database.definitions(services: unknown)) }
        let sumsByTick = Dictionary(grouping: templateSums, by: \.tick)
        for changedTick in changed { registry.record(tick: changedTick, sums: sumsByTick[changedTick] ?? []) }
        for template in registry.takeChanged() { unsaved[.init(service: template.service, id: template.id)] = template }
        if boundary - lastTemplateSave >= configuration.windowSeconds {
            lastTemplateSave = boundary
            for template in registry.persistentTemplates(seenSince: boundary - configuration.windowSeconds) {
                unsaved[.init(service: template.service, id: template.id)] = template
            }
        }
        templates = registry
        metrics.unresolvedTemplates.record(registry.unresolvedOccurrences)
        consumed = flushed
        metrics.sumDuration.record(duration: ContinuousClock.now - started)
        let serviceRows = counts.reduce(0) { $0 + $1.services.count }
        latestTimings.withLock {
            $0.sum = (ContinuousClock.now - started).inSeconds
            $0.ticksRead = changed.count
            $0.serviceRowsRead = serviceRows
            $0.templateRowsRead = templateSums.count
        }

        // The time the counts cover without a gap, ending with this tick: what the detector may
        // treat as observed (a gap means nobody was counting, not that nothing happened).
        var coveredFrom: Int64?
        var t = tick
        while t >= first, flushed[t] != nil {
            coveredFrom = t
            t -= 1
        }
        await saveTemplates()
        return LeaderTick(
            elected: false, observedSince: coveredFrom.map { $0 * configuration.tickSeconds }, ticks: counts,
            templates: registry.window(endingAtTick: tick))
    }

    /// Saves the templates new to the cluster at once (so a leader taking over knows their ids)
    /// and, once per window, those seen in it; kept for the next tick when the database fails.
    private func saveTemplates() async {
        guard !unsaved.isEmpty else { return }
        let batch = Array(unsaved.values)
        do {
            try await Deadline.run(seconds: max(2, Double(configuration.tickSeconds))) { [store] in
                try await store.saveTemplates(batch)
            }
            for template in batch { unsaved[.init(service: template.service, id: template.id)] = nil }
        } catch {
            logger.warning("cluster: cannot save templates; will retry", metadata: ["templates": "\(batch.count)", "error": "\(error)"])
        }
    }

    /// Polls the membership until every live member (same tick length) has flushed `tick`, or
    /// the grace is over.
    private func waitForFlushes(of tick: Int64, boundary: Int64) async {
        let deadline = ContinuousClock.now + .milliseconds(Int64(configuration.flushGraceSeconds * 1000))
        var pause = Duration.milliseconds(20)
        while ContinuousClock.now < deadline {
            guard let membership = try? await Deadline.run(seconds: 1, { [database] in try await database.membership() }) else { return }
            let waiting = membership.members.filter {
                $0.isLive(now: membership.now, timeoutSeconds: configuration.memberTimeoutSeconds)
                    && $0.tickSeconds == configuration.tickSeconds && $0.lastTick < tick
            }
            if waiting.isEmpty { return }
            try? await Task.sleep(for: pause)
            pause = min(pause * 2, .milliseconds(200))
        }
    }

    /// Once per window: count rows past retention, old definitions, members silent for a day.
    private func pruneIfDue(boundary: Int64) async {
        guard boundary - lastPrune >= configuration.windowSeconds else { return }
        lastPrune = boundary
        let retentionTicks = configuration.retentionSeconds / configuration.tickSeconds
        let before = boundary / configuration.tickSeconds - retentionTicks
        let nowMs = boundary * 1000
        do {
            let deleted = try await database.prune(
                ticksBefore: before, definitionsBefore: nowMs - configuration.retentionSeconds * 1000,
                membersSilentSince: nowMs - max(86_400, configuration.retentionSeconds) * 1000)
            logger.debug("cluster: pruned", metadata: ["count_rows": "\(deleted)"])
        } catch {
            logger.warning("cluster: pruning failed; will retry next window", metadata: ["error": "\(error)"])
        }
    }

    // MARK: /services

    /// Per service, its counts over the window ending with tick `lastTick` and the newest tick
    /// it was counted in — read from the database, so every instance answers the same.
    /// Cached for one tick.
    public func activity(endingAtTick lastTick: Int64) async throws -> [(service: String, counts: SeverityCounts, lastSeenTick: Int64)] {
        if let cache = activityCache, cache.tick == lastTick { return cache.value }
        let value = try await database.activity(
            windowFirst: lastTick - configuration.ticksPerWindow + 1, through: lastTick, tickSeconds: configuration.tickSeconds)
        activityCache = (lastTick, value)
        return value
    }
}

/// Where one tick's time went on this instance, in seconds.
public struct StepTimings: Sendable, Hashable {
    /// Flushing this instance's pending ticks (one statement each).
    public var flush: Double = 0
    /// The leader's wait for the members' flushes of the tick.
    public var wait: Double = 0
    /// The leader's reading and summing of the changed ticks (and mapping their templates).
    public var sum: Double = 0
    public var ticksRead = 0
    /// (tick, service) sums the leader read.
    public var serviceRowsRead = 0
    public var templateRowsRead = 0

    public init() {}
}

extension Duration {
    var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// What one tick means for this instance.
public enum ClusterStep: Sendable {
    /// Another instance judges; this one only counted and flushed.
    case follower
    /// This instance judges the cluster's counts.
    case leader(LeaderTick)
    /// This instance leads but could not read the counts (the database failed): nothing to judge.
    case stalled(String)
}

/// The leader's input for one tick.
public struct LeaderTick: Sendable {
    /// Leadership began with this tick: rebuild detection from the database's state.
    public var elected: Bool
    /// Start (seconds) of the time the cluster's counts cover without a gap, up to now.
    public var observedSince: Int64?
    /// Every tick whose summed counts changed since the leader last read them (on election: the
    /// whole window), oldest first; services silent in a tick are absent.
    public var ticks: [ClusterTickCounts]
    /// The templates' side of the window, in the cluster's ids.
    public var templates: TemplateWindow
}
