import SQLiteNIO

extension SQLiteStore {
    /// Applies the migrations not yet recorded (every one, gaps included: see
    /// ``SchemaMigration``), all in one `BEGIN IMMEDIATE` transaction: the
    /// write lock is taken before anything is read, so processes starting together on one file
    /// take turns (waiting up to the busy timeout) and each version is applied once.
    public func migrate() async throws {
        try await exclusively("migrate") {
            try await transaction {
                _ = try await connection.query(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)"
                )
                let found = try await connection.query("SELECT version FROM schema_migrations")
                let applied = try Set(found.map { try SQLiteRowReader($0, table: "schema_migrations").int64("version") })
                for migration in try SchemaMigration.sqlite.missing(from: applied) {
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
