import Foundation
import PostgresNIO

/// TLS to PostgreSQL as libpq reads it from a connection URL: `sslmode` and `sslrootcert`.
///
/// | `sslmode` | encrypted | certificate checked | host name checked |
/// |---|---|---|---|
/// | `disable` | no | – | – |
/// | `allow`, `prefer` (libpq's default) | if the server offers TLS | no | no |
/// | `require` | yes | only if a root certificate is given (then as `verify-ca`) | no |
/// | `verify-ca` | yes | against `sslrootcert` | no |
/// | `verify-full` | yes | against `sslrootcert` | yes (or the IP address) |
///
/// `sslrootcert` defaults to `~/.postgresql/root.crt` (as libpq); `sslrootcert=system` trusts
/// the system's certificate store. `allow` (libpq: plain first, TLS if the server insists) is
/// treated as `prefer`, the nearest PostgresNIO offers: it reaches the same servers.
///
/// The root certificate is read when the URL is parsed, so a missing or unreadable file is an
/// error at start-up naming the file, not a handshake failure later.
public struct PostgresTLS: Sendable, Hashable {
    public enum Mode: String, Sendable, Hashable, CaseIterable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    /// Where the server's certificate must chain to.
    public enum RootCertificate: Sendable, Hashable {
        /// PEM certificates from this file (contents read at parse time).
        case file(path: String, pem: [UInt8])
        /// The system's trust store (`sslrootcert=system`).
        case system
    }

    public var mode: Mode
    public var root: RootCertificate?

    public init(mode: Mode = .prefer, root: RootCertificate? = nil) {
        self.mode = mode
        self.root = root
    }

    struct Failure: Error {
        var reason: String
    }

    /// libpq's default location of the root certificate.
    static var defaultRootCertificatePath: String {
        (ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()) + "/.postgresql/root.crt"
    }

    init(sslmode: String?, sslrootcert: String?, defaultRootPath: String = Self.defaultRootCertificatePath) throws(Failure) {
        let text = sslmode ?? Mode.prefer.rawValue
        guard let mode = Mode(rawValue: text) else {
            throw Failure(reason: "sslmode=\(text) is not one of \(Mode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.mode = mode
        let verifies = mode == .verifyCA || mode == .verifyFull
        switch sslrootcert {
        case "system":
            self.root = .system
        case let path? where !path.isEmpty:
            self.root = try Self.read(path)
        default:
            // libpq reads the default file for every mode that may verify; for require it then
            // verifies as verify-ca, for verify-* it is an error when missing.
            if FileManager.default.fileExists(atPath: defaultRootPath), verifies || mode == .require {
                self.root = try Self.read(defaultRootPath)
            } else if verifies {
                throw Failure(reason: "sslmode=\(text) needs a root certificate: set sslrootcert=PATH (or sslrootcert=system), or put it in \(defaultRootPath)")
            } else {
                self.root = nil
            }
        }
    }

    private static func read(_ path: String) throws(Failure) -> RootCertificate {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Failure(reason: "cannot read sslrootcert \(path)")
        }
        let pem = Array(data)
        do {
            let certificates = try NIOSSLCertificate.fromPEMBytes(pem)
            guard !certificates.isEmpty else { throw Failure(reason: "sslrootcert \(path) holds no PEM certificate") }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(reason: "sslrootcert \(path) is not a PEM certificate file: \(error)")
        }
        return .file(path: path, pem: pem)
    }

    /// What PostgresNIO is given: no TLS, TLS if offered, or TLS required, with the checks.
    enum Negotiation {
        case none
        case prefer(TLSConfiguration)
        case require(TLSConfiguration)
    }

    func configuration() throws(StoreError) -> Negotiation {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch root {
        case .file(let path, let pem)?:
            do {
                configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(pem))
            } catch {
                throw .invalidDatabaseURL("sslrootcert", reason: "\(path) is not a PEM certificate file: \(error)")
            }
        case .system?, nil:
            configuration.trustRoots = .default
        }
        switch mode {
        case .disable:
            return .none
        case .allow, .prefer:
            configuration.certificateVerification = .none
            return .prefer(configuration)
        case .require:
            configuration.certificateVerification = root == nil ? .none : .noHostnameVerification
            return .require(configuration)
        case .verifyCA:
            configuration.certificateVerification = .noHostnameVerification
            return .require(configuration)
        case .verifyFull:
            configuration.certificateVerification = .fullVerification
            return .require(configuration)
        }
    }
}
