import Testing
@testable import SecureIngest

/// `syslog.tls_allowed_names`: exact names and rsyslog-style `*.domain` wildcards (one label).
@Suite struct PeerNameMatcherTests {
    @Test(arguments: [
        ("*.prod.example.net", "web1.prod.example.net", true),
        ("*.prod.example.net", "WEB1.Prod.Example.NET", true),
        ("*.prod.example.net", "prod.example.net", false),
        ("*.prod.example.net", "a.web1.prod.example.net", false),
        ("*.prod.example.net", "web1.staging.example.net", false),
        ("*.prod.example.net", "web1prod.example.net", false),
        ("client.example.net", "client.example.net", true),
        ("client.example.net", "client.example.net.evil", false),
        ("client.example.net", "other.example.net", false),
    ])
    func matchesAName(pattern: String, name: String, allowed: Bool) throws {
        #expect(try PeerNameMatcher([pattern]).allows(name) == allowed)
    }

    @Test func anyOfTheCertificatesNamesWillDo() throws {
        let matcher = try PeerNameMatcher(["*.prod.example.net", "backup.example.org"])
        #expect(matcher.allows(anyOf: ["laptop", "db.prod.example.net"]))
        #expect(!matcher.allows(anyOf: ["laptop", "db.dev.example.net"]))
        #expect(!matcher.allows(anyOf: []))
        #expect(try PeerNameMatcher([]).allows(anyOf: []))
    }

    @Test(arguments: ["", "*", "*.", "w*.example.net", "a.*.example.net", "*.example.net.", "**.example.net"])
    func badPatternsAreRefused(pattern: String) {
        #expect(throws: PeerNameMatcher.ParseError.self) { try PeerNameMatcher([pattern]) }
    }
}
