import Detect
import PostgresNIO
import Synchronization

/// The shared store: one PostgreSQL database through PostgresNIO's ``PostgresClient`` (a pool of
/// up to ``maximumConnections`` connections), so that several Vigil processes share baselines,
/// cooldowns and alerts.
///
/// **Lifetime.** A `PostgresClient` leases connections only while its `run()` is going. The store
/// owns that: ``open(url:)`` starts `run()` in a task of its own and ``close()`` cancels it and
/// waits until the pool has closed its connections. Between the two, operations run on pooled
/// connections concurrently (each statement is atomic on the server; multi-statement operations
/// hold one connection inside a transaction). After `close()` every operation throws
/// ``StoreError/closed``; operations still in flight at `close()` fail. A store dropped without
/// `close()` cancels the task on deinit as a safety net, but callers should close it.
///
/// TLS as the URL's `sslmode` and `sslrootcert` say, as libpq reads them (see ``PostgresTLS``).
public final class PostgresStore: VigilStore {
    /// Connections the pool opens at most (PostgreSQL's default server limit is 100).
    static let maximumConnections = 8

    let location: PostgresLocation
    let client: PostgresClient
    private let runTask: Task<Void, Never>
    private let closed = Mutex(false)
    let logger = Logger(label: "vigil.store.postgres")

    private init(location: PostgresLocation, client: PostgresClient, runTask: Task<Void, Never>) {
        self.location = location
        self.client = client
        self.runTask = runTask
    }

    deinit { runTask.cancel() }

    /// Checks that the server is reachable and accepts the credentials (one probe connection,
    /// so that a wrong host, port or password fails here with its reason instead of on the first
    /// alert), then starts the pool. The schema is not touched: call ``migrate()``.
    public static func open(url: String) async throws -> PostgresStore {
        let location = try PostgresLocation(url: url)
        let logger = Logger(label: "vigil.store.postgres")
        let probe = try await location.connect(logger: logger)
        try? await probe.close()
        var configuration = try location.clientConfiguration
        configuration.options.maximumConnections = maximumConnections
        let client = PostgresClient(configuration: configuration)
        let runTask = Task { await client.run() }
        return PostgresStore(location: location, client: client, runTask: runTask)
    }

    /// Runs `body` unless the store is closed, mapping failures to ``StoreError``.
    func perform<T: Sendable>(_ operation: String, _ body: () async throws -> T) async throws -> T {
        guard !closed.withLock({ $0 }) else { throw StoreError.closed }
        do {
            return try await body()
        } catch {
            throw PostgresFailure.storeError(error, operation: operation)
        }
    }

    /// Runs `body` in a transaction on one leased connection: committed when `body` returns,
    /// rolled back when it throws (its error is rethrown as is).
    func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await client.withConnection { connection in
            try await connection.query("BEGIN", logger: logger)
            do {
                let result = try await body(connection)
                try await connection.query("COMMIT", logger: logger)
                return result
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    /// ``transaction(_:)`` when `atomic`, else `body` alone on a leased connection: a single
    /// statement (an alert without outbox rows) is atomic by itself and spares two round trips.
    func transaction<T: Sendable>(if atomic: Bool, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        atomic ? try await transaction(body) : try await client.withConnection { try await body($0) }
    }

    /// Idempotent: closing a closed store does nothing. Returns once the pool has shut down.
    public func close() async throws {
        let wasOpen = closed.withLock { isClosed in
            defer { isClosed = true }
            return !isClosed
        }
        guard wasOpen else { return }
        runTask.cancel()
        await runTask.value
    }
}

/// PostgresNIO's errors describe themselves generically (to keep data out of logs); this names
/// the part worth acting on — the server's message and SQLSTATE, or the connection failure —
/// and never the password. Public for the cluster's own statements.
public enum PostgresFailure {
    public static func reason(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return String(describing: error) }
        if let info = error.serverInfo, let message = info[.message] {
            var text = message
            if let state = info[.sqlState] { text += " (SQLSTATE \(state))" }
            if let detail = info[.detail] { text += ": \(detail)" }
            return text
        }
        if let underlying = error.underlying {
            return "\(error.code): \(underlying)"
        }
        return "\(error.code)"
    }

    static func storeError(_ error: any Error, operation: String) -> StoreError {
        if let storeError = error as? StoreError { return storeError }
        return .operationFailed(operation: operation, reason: reason(error))
    }
}
