/// A backend's schema as numbered, append-only migrations: a database records in
/// `schema_migrations` which versions it has, and `migrate()` applies the rest in order. Never
/// edit a migration that has shipped; add the next one. Each backend keeps its own list (the
/// SQL dialects differ) with the same versions and the same schema semantics.
struct SchemaMigration: Sendable {
    var version: Int
    var statements: [String]
}

extension [SchemaMigration] {
    var latestVersion: Int { map(\.version).max() ?? 0 }

    /// Refuses a database migrated by a newer Vigil, whose schema this build may misread.
    func checkKnows(_ found: Int64) throws(StoreError) {
        guard found <= latestVersion else { throw .schemaTooNew(found: Int(found), known: latestVersion) }
    }
}
