import Glibc

/// `syslog.allow`: the networks a sender may be in (`10.0.0.0/8`, `2001:db8::/32`, `127.0.0.1`).
/// Empty means everyone, the default.
///
/// Checked per UDP datagram and per accepted connection before anything is parsed, so matching
/// works on the raw `sockaddr` bytes with a few masked compares and allocates nothing. An
/// IPv4-mapped IPv6 peer (`::ffff:10.1.2.3`, as a dual-stack socket reports IPv4 clients) is
/// matched against the IPv4 networks.
public struct SourceAllowlist: Sendable, Equatable, CustomStringConvertible {
    public struct ParseError: Error, CustomStringConvertible {
        public let entry: String
        public let reason: String
        public var description: String { "'\(entry)': \(reason)" }
    }

    struct V4: Sendable, Equatable {
        var network: UInt32
        var mask: UInt32
    }

    struct V6: Sendable, Equatable {
        var high: UInt64, low: UInt64
        var maskHigh: UInt64, maskLow: UInt64
    }

    private var v4: [V4] = []
    private var v6: [V6] = []
    /// The entries as written, for logs.
    public let entries: [String]

    /// Everyone allowed.
    public static let everyone = SourceAllowlist()

    private init() {
        entries = []
    }

    /// `ADDRESS` or `ADDRESS/PREFIX`, IPv4 or IPv6. Host bits beyond the prefix are refused
    /// (`10.0.0.1/8` is most likely a typo for a host or for `10.0.0.0/8`).
    public init(parsing entries: [String]) throws(ParseError) {
        self.entries = entries
        for entry in entries {
            let text = entry.trimmingSpaces
            let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            let host = String(parts[0])
            var v4Address = in_addr()
            var v6Address = in6_addr()
            if inet_pton(AF_INET, host, &v4Address) == 1 {
                let prefix = try Self.prefix(parts, max: 32, entry: entry)
                let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << (32 - prefix)
                let network = UInt32(bigEndian: v4Address.s_addr)
                guard network & ~mask == 0 else {
                    throw ParseError(entry: entry, reason: "host bits set beyond /\(prefix) (did you mean \(Self.format(network & mask))/\(prefix)?)")
                }
                v4.append(V4(network: network, mask: mask))
            } else if inet_pton(AF_INET6, host, &v6Address) == 1 {
                let prefix = try Self.prefix(parts, max: 128, entry: entry)
                let (high, low) = Self.words(v6Address)
                let maskHigh: UInt64 = prefix == 0 ? 0 : prefix >= 64 ? ~0 : ~UInt64(0) << (64 - prefix)
                let maskLow: UInt64 = prefix <= 64 ? 0 : prefix == 128 ? ~0 : ~UInt64(0) << (128 - prefix)
                guard high & ~maskHigh == 0, low & ~maskLow == 0 else {
                    throw ParseError(entry: entry, reason: "host bits set beyond /\(prefix)")
                }
                v6.append(V6(high: high, low: low, maskHigh: maskHigh, maskLow: maskLow))
            } else {
                throw ParseError(entry: entry, reason: "expected an IPv4 or IPv6 address, optionally /PREFIX (e.g. 10.0.0.0/8, 2001:db8::/32)")
            }
        }
    }

    private static func prefix(_ parts: [Substring], max: Int, entry: String) throws(ParseError) -> Int {
        guard parts.count == 2 else { return max }
        guard let prefix = Int(parts[1]), (0...max).contains(prefix) else {
            throw ParseError(entry: entry, reason: "prefix must be 0-\(max)")
        }
        return prefix
    }

    /// Whether every sender is allowed (no list configured).
    public var allowsEveryone: Bool { v4.isEmpty && v6.isEmpty }

    /// Whether the sender at this `sockaddr_in` / `sockaddr_in6` may send.
    @inline(__always)
    public func allows(sockaddr raw: UnsafeRawPointer) -> Bool {
        if allowsEveryone { return true }
        switch Int32(raw.load(as: sa_family_t.self)) {
        case AF_INET:
            return allows(v4: UInt32(bigEndian: raw.load(as: sockaddr_in.self).sin_addr.s_addr))
        case AF_INET6:
            let (high, low) = Self.words(raw.load(as: sockaddr_in6.self).sin6_addr)
            if high == 0, low >> 32 == 0xFFFF {  // ::ffff:a.b.c.d
                return allows(v4: UInt32(truncatingIfNeeded: low))
            }
            for rule in v6 where high & rule.maskHigh == rule.high && low & rule.maskLow == rule.low { return true }
            return false
        default:
            return false
        }
    }

    public func allows(_ address: SocketAddress) -> Bool {
        withUnsafeBytes(of: address.storage) { allows(sockaddr: $0.baseAddress!) }
    }

    func allows(_ peer: PeerAddress) -> Bool {
        withUnsafeBytes(of: peer.storage) { allows(sockaddr: $0.baseAddress!) }
    }

    @inline(__always)
    private func allows(v4 address: UInt32) -> Bool {
        for rule in v4 where address & rule.mask == rule.network { return true }
        return false
    }

    private static func words(_ address: in6_addr) -> (UInt64, UInt64) {
        withUnsafeBytes(of: address) { raw in
            (UInt64(bigEndian: raw.loadUnaligned(as: UInt64.self)), UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        }
    }

    private static func format(_ address: UInt32) -> String {
        "\(address >> 24).\((address >> 16) & 0xFF).\((address >> 8) & 0xFF).\(address & 0xFF)"
    }

    public var description: String { allowsEveryone ? "everyone" : entries.joined(separator: ", ") }

    public static func == (a: Self, b: Self) -> Bool { a.v4 == b.v4 && a.v6 == b.v6 }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
