import PostgresNIO

extension PostgresStore {
    /// The `pg_advisory_xact_lock` key that serialises migrations across processes ("Vigil"
    /// in ASCII, then 1): unlikely to collide with another application's advisory locks.
    static let migrationLockKey: Int64 = 0x5669_6769_6C00_0001

    /// Applies the migrations not yet recorded (every one, gaps included: see
    /// ``SchemaMigration``), all in one transaction that first takes a
    /// transaction-scoped advisory lock. A second process starting at the same moment waits on
    /// the lock, then finds the versions recorded and applies nothing; the lock is released by
    /// the commit (or rollback), so a failed migration leaves neither tables nor version rows.
    public func migrate() async throws {
        try await perform("migrate") {
            try await transaction { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(Self.migrationLockKey))", logger: logger)
                try await connection.query(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
                    logger: logger
                )
                let rows = try await connection.query(
                    "SELECT version FROM schema_migrations", logger: logger
                ).collect()
                let applied = try Set(rows.map { try PostgresRowReader($0, table: "schema_migrations").int64("version") })
                for migration in try SchemaMigration.postgres.missing(from: applied) {
                    for statement in migration.statements {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await connection.query(
                        """
                        INSERT INTO schema_migrations (version, applied_at)
                        VALUES (\(Int64(migration.version)), EXTRACT(EPOCH FROM now())::BIGINT)
                        """,
                        logger: logger
                    )
                }
            }
        }
    }
}
