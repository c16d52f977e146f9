import Detect
import Foundation
import SQLiteNIO

/// The embedded default store: one SQLite file (or `:memory:`) through SQLiteNIO.
///
/// One connection per store, its operations serialised by an ``OperationGate`` so that
/// transactions never interleave. Several stores (or processes) may share one file: WAL mode
/// lets readers run beside the single writer, a busy timeout makes writers queue instead of
/// failing at once, and the cooldown is one conditional upsert, which SQLite runs atomically.
public final class SQLiteStore: VigilStore {
    public let location: DatabaseURL.SQLiteLocation
    let connection: SQLiteConnection
    private let gate = OperationGate()

    /// How long a statement waits for another connection's write lock before failing.
    /// SQLite's own busy wait blocks a thread of SQLiteNIO's small pool; several stores waiting
    /// that way can starve the one holding the lock (it needs a pool thread to finish). So SQLite
    /// waits only briefly and ``exclusively(_:_:)`` retries a busy operation asynchronously.
    static let busyTimeoutMilliseconds = 20
    /// How long a busy operation is retried before it fails.
    static let busyRetryLimit: Duration = .seconds(10)

    private init(location: DatabaseURL.SQLiteLocation, connection: SQLiteConnection) {
        self.location = location
        self.connection = connection
    }

    /// Opens (creating the file and its directory if needed) and configures the connection.
    /// The schema is not touched: call ``migrate()``.
    public static func open(_ location: DatabaseURL.SQLiteLocation) async throws -> SQLiteStore {
        let description = DatabaseURL.sqlite(location).description
        let storage: SQLiteConnection.Storage
        switch location {
        case .memory:
            storage = .memory
        case .file(let path):
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            } catch {
                throw StoreError.cannotOpen(location: description, reason: "cannot create \(directory.path): \(error)")
            }
            storage = .file(path: path)
        }
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(storage: storage)
        } catch {
            throw StoreError.cannotOpen(location: description, reason: String(describing: error))
        }
        do {
            // The timeout first: switching to WAL itself needs a lock another process may hold.
            _ = try await connection.query("PRAGMA busy_timeout = \(busyTimeoutMilliseconds)")
            // Switching a new file to WAL needs the file to itself; with several processes
            // opening it at once the switch can report busy despite the timeout: retry a while.
            let deadline = ContinuousClock.now + busyRetryLimit
            while true {
                do {
                    _ = try await connection.query("PRAGMA journal_mode = WAL")
                    break
                } catch let error as SQLiteError where isBusy(error) && ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
            // Safe with WAL (a crash can lose the last commits, never corrupt the file).
            _ = try await connection.query("PRAGMA synchronous = NORMAL")
        } catch {
            try? await connection.close()
            throw StoreError.cannotOpen(location: description, reason: String(describing: error))
        }
        return SQLiteStore(location: location, connection: connection)
    }

    /// Runs `body` as the only operation on the connection, mapping failures to ``StoreError``.
    /// A body that finds the database busy (another connection writing) is run again after an
    /// asynchronous pause: bodies are single statements or whole transactions (rolled back on
    /// failure), so a retry never applies anything twice.
    func exclusively<T: Sendable>(_ operation: String, _ body: () async throws -> T) async throws -> T {
        await gate.enter()
        let deadline = ContinuousClock.now + Self.busyRetryLimit
        var pause = Duration.milliseconds(2)
        while true {
            do {
                guard !connection.isClosed else { throw StoreError.closed }
                let result = try await body()
                await gate.leave()
                return result
            } catch let error as SQLiteError where Self.isBusy(error) && ContinuousClock.now < deadline {
                try? await Task.sleep(for: pause)
                pause = min(pause * 2, .milliseconds(100))
            } catch {
                await gate.leave()
                throw StoreError.wrapping(error, operation: operation)
            }
        }
    }

    static func isBusy(_ error: SQLiteError) -> Bool {
        switch error.reason {
        case .busy, .busyTimeout, .busyInRecovery, .busyInSnapshot, .locked: true
        default: false
        }
    }

    /// `BEGIN IMMEDIATE` takes the write lock up front, so a transaction never fails halfway on
    /// upgrading a read lock while another connection writes.
    func transaction<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        _ = try await connection.query("BEGIN IMMEDIATE")
        do {
            let result = try await body()
            _ = try await connection.query("COMMIT")
            return result
        } catch {
            _ = try? await connection.query("ROLLBACK")
            throw error
        }
    }

    /// ``transaction(_:)`` when `atomic`, else `body` alone: a single statement (an alert without
    /// outbox rows) is atomic by itself and spares the `BEGIN`/`COMMIT` round trips.
    func transaction<T: Sendable>(if atomic: Bool, _ body: () async throws -> T) async throws -> T {
        atomic ? try await transaction(body) : try await body()
    }

    /// Idempotent: closing a closed store does nothing.
    public func close() async throws {
        await gate.enter()
        do {
            if !connection.isClosed { try await connection.close() }
            await gate.leave()
        } catch {
            await gate.leave()
            throw StoreError.wrapping(error, operation: "close")
        }
    }
}
