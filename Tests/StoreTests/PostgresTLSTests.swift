import Foundation
import Testing
@testable import Store

/// `sslmode` and `sslrootcert` as libpq reads them, parsed (no server).
@Suite struct PostgresTLSParsingTests {
    static let missing = "/nonexistent/vigil-test/root.crt"

    @Test(arguments: [
        (nil, PostgresTLS.Mode.prefer), ("disable", .disable), ("allow", .allow), ("prefer", .prefer), ("require", .require),
    ])
    func modesWithoutARootCertificate(sslmode: String?, expected: PostgresTLS.Mode) throws {
        let tls = try PostgresTLS(sslmode: sslmode, sslrootcert: nil, defaultRootPath: Self.missing)
        #expect(tls.mode == expected)
        #expect(tls.root == nil)
    }

    @Test func verifyModesNeedARootCertificate() throws {
        for mode in ["verify-ca", "verify-full"] {
            #expect(throws: PostgresTLS.Failure.self) {
                try PostgresTLS(sslmode: mode, sslrootcert: nil, defaultRootPath: Self.missing)
            }
        }
        #expect(try PostgresTLS(sslmode: "verify-full", sslrootcert: "system", defaultRootPath: Self.missing).root == .system)
    }

    @Test func aRootCertificateIsReadWhenTheURLIsParsed() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-root-\(UUID().uuidString).pem").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(unrelatedAuthority.utf8).write(to: URL(fileURLWithPath: path))
        let tls = try PostgresTLS(sslmode: "verify-ca", sslrootcert: path, defaultRootPath: Self.missing)
        guard case .file(let read, _)? = tls.root else { Issue.record("expected a file root"); return }
        #expect(read == path)
        // require with a root certificate verifies as verify-ca does (libpq's rule).
        let require = try PostgresTLS(sslmode: "require", sslrootcert: nil, defaultRootPath: path)
        #expect(require.root != nil)

        try Data("not a certificate".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: PostgresTLS.Failure.self) { try PostgresTLS(sslmode: "verify-ca", sslrootcert: path, defaultRootPath: Self.missing) }
        #expect(throws: PostgresTLS.Failure.self) { try PostgresTLS(sslmode: "verify-ca", sslrootcert: Self.missing, defaultRootPath: Self.missing) }
    }

    @Test func badModesAndUnsupportedParametersAreClearErrorsWithoutThePassword() {
        for url in [
            "postgres://vigil:hunter2@db/vigil?sslmode=required",
            "postgres://vigil:hunter2@db/vigil?sslmode=require&sslcert=/tmp/client.pem",
            "postgres://vigil:hunter2@db/vigil?sslmode=verify-ca&sslrootcert=\(Self.missing)",
        ] {
            do {
                _ = try PostgresLocation(url: url)
                Issue.record("expected an error for \(url)")
            } catch {
                #expect(!error.description.contains("hunter2"), "\(error)")
                #expect(error.description.contains("ssl"), "\(error)")
            }
        }
    }

    @Test func thePasswordMayComeAsAParameterAndIsNeverShown() throws {
        let location = try PostgresLocation(url: "postgres://vigil@db/vigil?password=hunter2&sslmode=disable")
        #expect(location.password == "hunter2")
        let url = DatabaseURL.postgres("postgres://vigil@db/vigil?password=hunter2&sslmode=disable")
        #expect(url.description == "postgres://…@db/vigil?password=…&sslmode=disable")
        #expect(!location.description.contains("hunter2"))
    }
}

/// Against the real server with TLS on (`scripts/test.sh` turns it on): `pg_stat_ssl` tells
/// whether the store's connections are encrypted.
@Suite(.serialized, .enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipReason))
struct PostgresTLSTests {
    /// The server's certificate (self-signed, so also its root): Debian's snakeoil, which
    /// `scripts/test.sh` makes and points PostgreSQL at.
    static let serverCertificate = ProcessInfo.processInfo.environment["VIGIL_TEST_POSTGRES_ROOTCERT"]
        ?? "/etc/ssl/certs/ssl-cert-snakeoil.pem"

    /// `url` with the query `query`, the host replaced by `host` when given.
    static func variant(_ url: DatabaseURL, host: String? = nil, query: String) throws -> DatabaseURL {
        guard case .postgres(let text) = url else { return url }
        var location = try PostgresLocation(url: text)
        if let host { location.host = host }
        return .postgres(location.urlWithPassword + "?" + query)
    }

    /// Opens a store on `url`, makes it use a pooled connection, and returns whether each of its
    /// connections is encrypted.
    static func encryption(_ url: DatabaseURL) async throws -> [Bool] {
        let store = try await url.openStore()
        defer { Task { try? await store.close() } }
        _ = try await store.recentAlerts(limit: 1)
        let encrypted = try await PostgresTestServer.encryption(of: url, applicationPrefix: "vigil")
        try await store.close()
        return encrypted
    }

    @Test func requireConnectsEncrypted() async throws {
        try await PostgresTestServer.withFreshDatabase { database throws in
            try #require(try await PostgresTestServer.tlsIsOn(database), "PostgreSQL has ssl = off: scripts/test.sh turns it on")
            let encrypted = try await Self.encryption(try Self.variant(database, query: "sslmode=require"))
            #expect(!encrypted.isEmpty)
            #expect(encrypted.allSatisfy { $0 }, "\(encrypted)")
        }
    }

    @Test func preferEncryptsWhenTheServerOffersTLSAndDisableDoesNot() async throws {
        try await PostgresTestServer.withFreshDatabase { database throws in
            try #require(try await PostgresTestServer.tlsIsOn(database), "PostgreSQL has ssl = off: scripts/test.sh turns it on")
            let preferred = try await Self.encryption(database)  // no sslmode: libpq's default, prefer
            #expect(!preferred.isEmpty && preferred.allSatisfy { $0 }, "\(preferred)")
            let plain = try await Self.encryption(try Self.variant(database, query: "sslmode=disable"))
            #expect(!plain.isEmpty && plain.allSatisfy { !$0 }, "\(plain)")
        }
    }

    @Test func verifyCAAcceptsTheServersAuthorityAndRefusesAnother() async throws {
        try await PostgresTestServer.withFreshDatabase { database throws in
            try #require(try await PostgresTestServer.tlsIsOn(database), "PostgreSQL has ssl = off: scripts/test.sh turns it on")
            try #require(FileManager.default.isReadableFile(atPath: Self.serverCertificate), "no \(Self.serverCertificate)")
            let good = try Self.variant(database, query: "sslmode=verify-ca&sslrootcert=\(Self.serverCertificate)")
            #expect(try await Self.encryption(good).allSatisfy { $0 })

            let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-other-ca-\(UUID().uuidString).pem").path
            defer { try? FileManager.default.removeItem(atPath: path) }
            try Data(unrelatedAuthority.utf8).write(to: URL(fileURLWithPath: path))
            let bad = try Self.variant(database, query: "sslmode=verify-ca&sslrootcert=\(path)")
            do {
                _ = try await bad.openStore()
                Issue.record("a certificate from another authority was accepted")
            } catch {
                let message = String(describing: error)
                #expect(message.contains("sslmode=verify-ca"), "\(message)")
                #expect(!message.contains(":vigil@"), "\(message)")
            }
        }
    }

    @Test func verifyFullChecksTheHostName() async throws {
        try await PostgresTestServer.withFreshDatabase { database throws in
            try #require(try await PostgresTestServer.tlsIsOn(database), "PostgreSQL has ssl = off: scripts/test.sh turns it on")
            try #require(FileManager.default.isReadableFile(atPath: Self.serverCertificate), "no \(Self.serverCertificate)")
            let query = "sslmode=verify-full&sslrootcert=\(Self.serverCertificate)"
            // The certificate names the host (make-ssl-cert uses the host name), not 127.0.0.1.
            do {
                _ = try await Self.variant(database, host: "127.0.0.1", query: query).openStore()
                Issue.record("verify-full accepted a certificate that does not name 127.0.0.1")
            } catch {
                #expect(String(describing: error).contains("sslmode=verify-full"), "\(error)")
            }
            let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? ""
            if !host.isEmpty, Self.resolvesToLoopback(host) {
                #expect(try await Self.encryption(try Self.variant(database, host: host, query: query)).allSatisfy { $0 })
            }
        }
    }

    static func resolvesToLoopback(_ host: String) -> Bool {
        var hints = addrinfo()
        hints.ai_family = AF_INET
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else { return false }
        defer { freeaddrinfo(result) }
        guard let address = first.pointee.ai_addr else { return false }
        return address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt32(bigEndian: $0.pointee.sin_addr.s_addr) >> 24 == 127 }
    }
}

/// A self-signed certificate of an authority that signed nothing the server has.
let unrelatedAuthority = """
    -----BEGIN CERTIFICATE-----
    MIIDGzCCAgOgAwIBAgIUP3uU07BpBopS4U/TDVCH6L6vba0wDQYJKoZIhvcNAQEL
    BQAwHDEaMBgGA1UEAwwRdW5yZWxhdGVkLXRlc3QtY2EwIBcNMjYxMjAxMjMzMDM2
    WhgPMjEyNjExMDcyMzMwMzZaMBwxGjAYBgNVBAMMEXVucmVsYXRlZC10ZXN0LWNh
    MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAt540LOzW5lVse+DyEzph
    XoZHbMSWLGq6qCTjw4hZt/2GHQldRpXOAarNiE/KfirEG9TB4hCjgY3a0OK86cvF
    FZsG/tCh1IcTleKk60SzX1BdElmreyriGAyKEWjFJJMAmlhEZzV3/0TqDfTE2nCJ
    tSsvgY2I5S2oHZoRPFoXYhvkd0Pibr5x8i9g4Bc3qxJVx20m0Rpslec15eDItqhr
    sfJKcOvAbxV6CPOUSw80doj5Kqu0QfmWzsYKd1DPYFsJ3a9/XBXHdBidDL19JfvK
    F494YbgHlyDbVXu7mK4ICdZof3QAsfZyL3FxIdmvXINULobZJbrOECKpmlrP/Tvd
    CQIDAQABo1MwUTAdBgNVHQ4EFgQUxk3cUayGa3eiPhzF3wuRb76xbaYwHwYDVR0j
    BBgwFoAUxk3cUayGa3eiPhzF3wuRb76xbaYwDwYDVR0TAQH/BAUwAwEB/zANBgkq
    hkiG9w0BAQsFAAOCAQEAYc2dSokBZ0FMmaLxul9LA5HlgXz3BCREeCqskNQdJN8l
    06QIUu9Bsd4Z/ml8E1Y2X8tcepiehp3Y8idEI4RZRY+2eIi+Jh650ZEu9T0uiD+z
    l3rFkSOzngRQIcditzUqmUb0fam3E42TWs4po1yyZv2C971hOtxGo9llxp2XCbPj
    73r6RcYMDQVR5LnuIGggd+jUtnyzr+BSy05L9U7bcVt95HA2mH1+T6I821qY7hg4
    ybIH4FoTnPLl9RPdlaC+c/K8PfiWkJ6QNVnNhWmj3suvIexiXY2eePEXHXuaSGRh
    47xR/ZFN746ahzmLJAbmyZ4N8sC1mkmkT4jB/IJZdg==
    -----END CERTIFICATE-----

    """
