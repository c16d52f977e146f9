import Foundation
import PostgresNIO

/// Where a PostgreSQL store lives and how to reach it, parsed from
/// `postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=…&sslrootcert=…` (or `postgresql://…`;
/// user and password percent-decoded, port 5432 and database = user by default, as libpq does).
///
/// Public because the cluster (several `vigil serve` on one database) opens connections of its
/// own to the same place, with the same TLS. ``description`` never shows the password, and no
/// error built from a location does either.
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var tls: PostgresTLS

    /// For messages: never the password.
    public var description: String { "postgres://\(username)@\(host):\(port)/\(database)" }

    public init(host: String, port: Int, username: String, password: String?, database: String, tls: PostgresTLS = .init()) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
    }
}

extension PostgresLocation {
    /// Query parameters libpq knows whose meaning this build does not implement: refused, because
    /// ignoring one (a client certificate, a revocation list) would connect differently from what
    /// the operator asked for. Other parameters (`connect_timeout`, `application_name`…) are ignored.
    static let unsupportedParameters: Set<String> = ["sslcert", "sslkey", "sslpassword", "sslcrl", "sslcrldir", "sslsni", "gssencmode"]

    public init(url: String) throws(StoreError) {
        let redacted = DatabaseURL.postgres(url).description
        guard let components = URLComponents(string: url), let scheme = components.scheme,
              scheme == "postgres" || scheme == "postgresql"
        else {
            throw .invalidDatabaseURL(redacted, reason: "expected postgres://USER:PASSWORD@HOST:PORT/DATABASE")
        }
        guard let username = components.user, !username.isEmpty else {
            throw .invalidDatabaseURL(redacted, reason: "a user name is required, e.g. postgres://vigil:PASSWORD@localhost/vigil")
        }
        var parameters: [String: String] = [:]
        for item in components.queryItems ?? [] {
            if Self.unsupportedParameters.contains(item.name) {
                throw .invalidDatabaseURL(redacted, reason: "\(item.name) is not supported by this build")
            }
            parameters[item.name] = item.value ?? ""
        }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        self.host = components.host.flatMap { $0.isEmpty ? nil : $0 } ?? "localhost"
        self.port = components.port ?? 5432
        self.username = username
        // libpq also takes the password as a query parameter; the user information wins.
        self.password = components.password ?? parameters["password"]
        self.database = path.isEmpty ? username : path
        do {
            self.tls = try PostgresTLS(sslmode: parameters["sslmode"], sslrootcert: parameters["sslrootcert"])
        } catch {
            throw .invalidDatabaseURL(redacted, reason: error.reason)
        }
    }

    /// For one connection of its own, named "vigil" in `pg_stat_activity`.
    public var connectionConfiguration: PostgresConnection.Configuration {
        get throws(StoreError) { try connectionConfiguration(applicationName: "vigil") }
    }

    /// For a pool, named "vigil" in `pg_stat_activity`.
    public var clientConfiguration: PostgresClient.Configuration {
        get throws(StoreError) { try clientConfiguration(applicationName: "vigil") }
    }

    /// For one connection of its own (the probe at open, the cluster's lock session).
    /// `applicationName` shows in `pg_stat_activity`, so operators can tell Vigil's sessions apart.
    public func connectionConfiguration(applicationName: String) throws(StoreError) -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        do {
            tls = switch try self.tls.configuration() {
            case .none: .disable
            case .prefer(let configuration): .prefer(try NIOSSLContext(configuration: configuration))
            case .require(let configuration): .require(try NIOSSLContext(configuration: configuration))
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw .cannotOpen(location: description, reason: "TLS set-up failed: \(error)")
        }
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
        configuration.options.additionalStartupParameters = [("application_name", applicationName)]
        return configuration
    }

    /// For a pool (``PostgresClient``) of connections.
    public func clientConfiguration(applicationName: String) throws(StoreError) -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS = switch try self.tls.configuration() {
        case .none: .disable
        case .prefer(let configuration): .prefer(configuration)
        case .require(let configuration): .require(configuration)
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
        configuration.options.additionalStartupParameters = [("application_name", applicationName)]
        return configuration
    }

    /// Opens one connection, failing with a ``StoreError/cannotOpen(location:reason:)`` that names
    /// the host and port and the reason (refused, TLS, authentication) — never the password.
    public func connect(
        applicationName: String = "vigil", id: Int = 0, connectTimeout: Double = 10, logger: Logger
    ) async throws(StoreError) -> PostgresConnection {
        var configuration = try connectionConfiguration(applicationName: applicationName)
        configuration.options.connectTimeout = .milliseconds(Int64(connectTimeout * 1000))
        do {
            return try await PostgresConnection.connect(configuration: configuration, id: id, logger: logger)
        } catch {
            let endpoint = "\(host):\(port)"
            let reason = if let error = error as? PSQLError, error.serverInfo != nil {
                "PostgreSQL at \(endpoint) refused the connection: \(PostgresFailure.reason(error))"
            } else {
                "cannot reach PostgreSQL at \(endpoint) (sslmode=\(tls.mode.rawValue)): \(PostgresFailure.reason(error))"
            }
            throw .cannotOpen(location: description, reason: reason)
        }
    }
}
