import Foundation
import PostgresNIO

/// Where a PostgreSQL store lives, parsed from `postgres://USER:PASSWORD@HOST:PORT/DATABASE`
/// (or `postgresql://…`; user and password percent-decoded, port 5432 and database = user by
/// default, as libpq does).
///
/// TLS is off for now: connections are plain TCP, so use a trusted network or a local server.
/// `sslmode=require`/`verify-*` is refused rather than silently ignored.
struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    var host: String
    var port: Int
    var username: String
    var password: String?
    var database: String

    /// For messages: never the password.
    var description: String { "postgres://\(username)@\(host):\(port)/\(database)" }
}

extension PostgresLocation {
    init(url: String) throws(StoreError) {
        let redacted = DatabaseURL.postgres(url).description
        guard let components = URLComponents(string: url), let scheme = components.scheme,
              scheme == "postgres" || scheme == "postgresql"
        else {
            throw .invalidDatabaseURL(redacted, reason: "expected postgres://USER:PASSWORD@HOST:PORT/DATABASE")
        }
        guard let username = components.user, !username.isEmpty else {
            throw .invalidDatabaseURL(redacted, reason: "a user name is required, e.g. postgres://vigil:PASSWORD@localhost/vigil")
        }
        let sslMode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "disable"
        guard ["disable", "allow", "prefer"].contains(sslMode) else {
            throw .invalidDatabaseURL(redacted, reason: "sslmode=\(sslMode) is not supported yet: this build connects without TLS")
        }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        self.host = components.host.flatMap { $0.isEmpty ? nil : $0 } ?? "localhost"
        self.port = components.port ?? 5432
        self.username = username
        self.password = components.password
        self.database = path.isEmpty ? username : path
    }

    var connectionConfiguration: PostgresConnection.Configuration {
        PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: .disable
        )
    }

    var clientConfiguration: PostgresClient.Configuration {
        PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: .disable
        )
    }
}
