import Foundation

/// Which database to use, parsed from `--database URL` or `DATABASE_URL`:
/// `sqlite:PATH` (relative or absolute; `sqlite::memory:` for a private in-memory database) or
/// `postgres://…` / `postgresql://…`.
public enum DatabaseURL: Sendable, Hashable, CustomStringConvertible {
    case sqlite(SQLiteLocation)
    /// The URL as given, for the PostgreSQL backend.
    case postgres(String)

    public enum SQLiteLocation: Sendable, Hashable {
        /// Private to one connection, gone on close: for tests.
        case memory
        case file(path: String)
    }

    /// The embedded default: a file next to the working directory, its folder created on open.
    public static let `default` = DatabaseURL.sqlite(.file(path: "./data/vigil.db"))

    public init(parsing text: String) throws(StoreError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("sqlite:") {
            let path = String(trimmed.dropFirst("sqlite:".count))
            if path == ":memory:" {
                self = .sqlite(.memory)
            } else if path.isEmpty {
                throw .invalidDatabaseURL(trimmed, reason: "sqlite: needs a path, e.g. sqlite:./data/vigil.db")
            } else {
                self = .sqlite(.file(path: path))
            }
        } else if trimmed.hasPrefix("postgres://") || trimmed.hasPrefix("postgresql://") {
            self = .postgres(trimmed)
        } else {
            // Only the scheme is echoed: the rest may hold a password.
            let scheme = trimmed.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
            throw .invalidDatabaseURL(
                scheme.isEmpty ? "(empty)" : scheme + ":…",
                reason: "expected sqlite:PATH, postgres://… or postgresql://…"
            )
        }
    }

    /// The URL to use: the command-line argument, else `DATABASE_URL`, else ``default``.
    /// Empty values count as absent.
    public static func resolve(argument: String?, environment: [String: String]) throws(StoreError) -> DatabaseURL {
        for candidate in [argument, environment["DATABASE_URL"]] {
            if let candidate, !candidate.trimmingCharacters(in: .whitespaces).isEmpty {
                return try DatabaseURL(parsing: candidate)
            }
        }
        return .default
    }

    /// Opens the store this URL names and brings its schema up to date (PostgreSQL over TLS as
    /// the URL's `sslmode` says; see ``PostgresTLS``).
    public func openStore() async throws -> any VigilStore {
        switch self {
        case .sqlite(let location):
            try await Self.migrated(SQLiteStore.open(location))
        case .postgres(let url):
            try await Self.migrated(PostgresStore.open(url: url))
        }
    }

    private static func migrated(_ store: some VigilStore) async throws -> any VigilStore {
        do {
            try await store.migrate()
        } catch {
            try? await store.close()
            throw error
        }
        return store
    }

    /// For logs: never shows a PostgreSQL password.
    public var description: String {
        switch self {
        case .sqlite(.memory): "sqlite::memory:"
        case .sqlite(.file(let path)): "sqlite:\(path)"
        case .postgres(let url):
            Self.redacted(url)
        }
    }

    /// The URL without its password: user information becomes `…`, and a `password=` query
    /// parameter (libpq accepts one) keeps only its name.
    static func redacted(_ url: String) -> String {
        var text = url
        var query = ""
        if let mark = text.firstIndex(of: "?") {
            query = String(text[text.index(after: mark)...])
            text = String(text[..<mark])
        }
        if let at = text.lastIndex(of: "@"), let schemeEnd = text.range(of: "://") {
            text = String(text[..<schemeEnd.upperBound]) + "…" + String(text[at...])
        }
        guard !query.isEmpty else { return text }
        let parameters = query.split(separator: "&", omittingEmptySubsequences: false).map { parameter in
            parameter.lowercased().hasPrefix("password=") ? "password=…" : String(parameter)
        }
        return text + "?" + parameters.joined(separator: "&")
    }
}
