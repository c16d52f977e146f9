/// `syslog.tls_allowed_names`: which client certificate names may send, as rsyslog's
/// `PermittedPeer` with `StreamDriverAuthMode="x509/name"` decides (RFC 5425 §5.2).
///
/// A name is matched against the certificate's DNS subject alternative names and its subject
/// common name, case-insensitively. A pattern is a host name, or `*.` followed by one: the
/// wildcard stands for exactly one left-most label, so `*.prod.example.net` matches
/// `web1.prod.example.net` but neither `prod.example.net` nor `a.web1.prod.example.net`.
public struct PeerNameMatcher: Sendable, Equatable {
    public struct ParseError: Error, CustomStringConvertible {
        public let pattern: String
        public var description: String {
            "'\(pattern)': expected a host name or *.DOMAIN (the wildcard only as the whole left-most label)"
        }
    }

    private enum Pattern: Sendable, Equatable {
        case exact(String)
        /// `*.suffix`: one label, then `.suffix`.
        case wildcard(suffix: String)
    }

    private let patterns: [Pattern]

    /// Every name passes (no list configured: any certificate from the client CA is accepted).
    public var allowsEveryName: Bool { patterns.isEmpty }

    public init(_ patterns: [String]) throws(ParseError) {
        var parsed: [Pattern] = []
        for text in patterns {
            let pattern = text.lowercased()
            if pattern.hasPrefix("*.") {
                let suffix = String(pattern.dropFirst(2))
                guard !suffix.isEmpty, !suffix.contains("*"), !suffix.hasPrefix("."), !suffix.hasSuffix(".") else {
                    throw ParseError(pattern: text)
                }
                parsed.append(.wildcard(suffix: suffix))
            } else {
                guard !pattern.isEmpty, !pattern.contains("*") else { throw ParseError(pattern: text) }
                parsed.append(.exact(pattern))
            }
        }
        self.patterns = parsed
    }

    /// Whether any of a certificate's names (DNS SANs and the subject CN) is allowed.
    public func allows(anyOf names: [String]) -> Bool {
        allowsEveryName || names.contains { allows($0) }
    }

    public func allows(_ name: String) -> Bool {
        let name = name.lowercased()
        return patterns.contains { pattern in
            switch pattern {
            case .exact(let exact):
                return name == exact
            case .wildcard(let suffix):
                guard name.hasSuffix("." + suffix) else { return false }
                let label = name.dropLast(suffix.count + 1)
                return !label.isEmpty && !label.contains(".")
            }
        }
    }
}
