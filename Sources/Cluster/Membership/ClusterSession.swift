import Logging
import PostgresNIO
import Store

/// The instance's dedicated connection: it holds the instance name's advisory lock for as long as
/// the instance runs and, on the leader, the leader's lock. Both are session-level, so they go
/// when this session goes — a clean exit, SIGKILL, a crash — and, after a network loss, once the
/// server's TCP keepalive (set short on this session) has given up on it.
///
/// Not from the pool: a pooled connection may be closed or swapped by the pool, which would drop
/// the locks behind the cluster's back. Every call is bounded in time (see ``Deadline``): a dead
/// network costs a tick, never blocks one. An actor, so the one connection sees one statement at
/// a time.
actor ClusterSession {
    enum State: Sendable, Equatable {
        case leader
        case follower
        /// No session (connecting failed, or it broke); retried on the next refresh.
        case disconnected(String)
    }

    let location: PostgresLocation
    let name: String
    private let logger: Logger
    private var connection: PostgresConnection?
    private(set) var state: State = .disconnected("not connected yet")
    /// Bound on one connect or statement of this session.
    private let timeout: Double
    private var nextID = 1

    private init(location: PostgresLocation, name: String, timeout: Double, logger: Logger) {
        self.location = location
        self.name = name
        self.timeout = timeout
        self.logger = logger
    }

    /// Connects and takes the name's lock; throws ``ClusterError/nameTaken(_:)`` when another live
    /// session holds it. Does not try for leadership (``refresh()`` does, every tick).
    static func open(location: PostgresLocation, name: String, timeout: Double = 5, logger: Logger) async throws -> ClusterSession {
        let session = ClusterSession(location: location, name: name, timeout: timeout, logger: logger)
        try await session.connect()
        return session
    }

    /// Once per tick: reconnects (and retakes the name's lock) if the session broke; on a follower
    /// tries for the leader's lock (a follower takes over on the first tick after the leader's
    /// session ended); on the leader checks that the session still answers, stepping down if not.
    func refresh() async -> State {
        if connection == nil {
            do {
                try await connect()
            } catch {
                state = .disconnected("\(error)")
                return state
            }
        }
        do {
            if state == .leader {
                _ = try await statement("SELECT 1 AS alive", column: "alive", as: Int32.self)
            } else {
                let acquired = try await statement(
                    "SELECT pg_try_advisory_lock(\(AdvisoryLockKey.leader)) AS acquired", column: "acquired", as: Bool.self)
                state = acquired ? .leader : .follower
            }
        } catch {
            await drop(reason: "\(error)")
        }
        return state
    }

    /// Gives leadership up (the lock goes with the session): closes the session; the next
    /// ``refresh()`` reconnects as a follower candidate.
    func resign() async {
        await drop(reason: "resigned")
    }

    /// Ends the session: both locks are released at once, so a follower takes over on its next tick.
    func close() async {
        if let connection {
            try? await connection.close()
        }
        connection = nil
        state = .disconnected("closed")
    }

    // MARK: Internals

    private func connect() async throws {
        let id = nextID
        nextID += 1
        let logger = self.logger
        let name = self.name
        // Bounded by the connect timeout rather than a Deadline: a connection that arrived after
        // a Deadline would be left open, unowned.
        let connection = try await location.connect(
            applicationName: "vigil cluster \(name)".prefixUTF8(63), id: id, connectTimeout: timeout, logger: logger)
        do {
            // Let the server notice a vanished peer in ~11 s instead of the kernel's two hours,
            // so that a leader cut off by the network loses its lock promptly.
            for setting in ["tcp_keepalives_idle = 5", "tcp_keepalives_interval = 2", "tcp_keepalives_count = 3"] {
                try await Deadline.run(seconds: timeout) {
                    _ = try await connection.query(PostgresQuery(unsafeSQL: "SET " + setting), logger: logger)
                }
            }
            let key = AdvisoryLockKey.instance(name)
            let acquired = try await Deadline.run(seconds: timeout) {
                let rows = try await connection.query("SELECT pg_try_advisory_lock(\(key)) AS acquired", logger: logger).collect()
                return try rows.first?.makeRandomAccess()["acquired"].decode(Bool.self) ?? false
            }
            guard acquired else { throw ClusterError.nameTaken(name) }
        } catch {
            try? await connection.close()
            throw error
        }
        self.connection = connection
        state = .follower
    }

    private func statement<T: PostgresDecodable & Sendable>(_ query: PostgresQuery, column: String, as type: T.Type) async throws -> T {
        guard let connection else { throw ClusterError.closed }
        let logger = self.logger
        return try await Deadline.run(seconds: timeout) {
            let rows = try await connection.query(query, logger: logger).collect()
            guard let row = rows.first else { throw ClusterError.database(operation: "session", reason: "no row") }
            return try row.makeRandomAccess()[column].decode(T.self)
        }
    }

    private func drop(reason: String) async {
        if state == .leader {
            logger.warning("cluster: leadership lost with the session", metadata: ["instance": "\(name)", "reason": "\(reason)"])
        }
        if let connection { try? await connection.close() }
        connection = nil
        state = .disconnected(reason)
    }
}

extension String {
    /// At most `count` bytes of UTF-8, cut at a character boundary (PostgreSQL truncates
    /// `application_name` to 63 bytes).
    func prefixUTF8(_ count: Int) -> String {
        var result = ""
        for character in self {
            guard result.utf8.count + character.utf8.count <= count else { break }
            result.append(character)
        }
        return result
    }
}
