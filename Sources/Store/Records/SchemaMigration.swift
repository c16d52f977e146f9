/// A backend's schema as numbered, append-only migrations: a database records in
/// `schema_migrations` which versions it has, and `migrate()` applies the rest in order — every
/// version it lacks, not only those above its highest: features land in parallel, so a database
/// may hold 1–4 and 6 when 5 arrives, and 5 must still be applied (each migration creates its own
/// tables and columns and reads none of a later one's). Never
/// edit a migration that has shipped; add the next one. Each backend keeps its own list (the
/// SQL dialects differ) with the same versions and the same schema semantics.
struct SchemaMigration: Sendable {
    var version: Int
    var statements: [String]
}

extension [SchemaMigration] {
    var latestVersion: Int { map(\.version).max() ?? 0 }

    /// The migrations a database with `applied` versions lacks, in version order. Refuses a
    /// database migrated by a newer Vigil (a version this build does not know), whose schema this
    /// build may misread.
    func missing(from applied: Set<Int64>) throws(StoreError) -> [SchemaMigration] {
        let found = applied.max() ?? 0
        guard found <= latestVersion else { throw .schemaTooNew(found: Int(found), known: latestVersion) }
        return filter { !applied.contains(Int64($0.version)) }.sorted { $0.version < $1.version }
    }
}
