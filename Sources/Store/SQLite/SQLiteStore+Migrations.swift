import SQLiteNIO

extension SQLiteStore {
    /// Applies each migration not yet recorded, one transaction per version. The check runs
    /// inside the (write-locked) transaction, so two processes migrating at once apply each
    /// version once.
    public func migrate() async throws {
        try await exclusively("migrate") {
            _ = try await connection.query(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)"
            )
            let found = try await connection.query("SELECT MAX(version) AS version FROM schema_migrations")
            let current = try found.first.flatMap { try SQLiteRowReader($0, table: "schema_migrations").optionalInt64("version") } ?? 0
            guard current <= SQLiteMigration.latestVersion else {
                throw StoreError.schemaTooNew(found: Int(current), known: SQLiteMigration.latestVersion)
            }
            for migration in SQLiteMigration.all {
                try await transaction {
                    let applied = try await connection.query(
                        "SELECT 1 FROM schema_migrations WHERE version = ?",
                        [.integer(SQLiteInt64(migration.version))]
                    )
                    guard applied.isEmpty else { return }
                    for statement in migration.statements {
                        _ = try await connection.query(statement)
                    }
                    _ = try await connection.query(
                        "INSERT INTO schema_migrations (version, applied_at) VALUES (?, CAST(strftime('%s', 'now') AS INTEGER))",
                        [.integer(SQLiteInt64(migration.version))]
                    )
                }
            }
        }
    }
}
