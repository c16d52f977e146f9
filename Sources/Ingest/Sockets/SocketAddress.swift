import Glibc

/// An IPv4 or IPv6 socket address, parsed from `HOST:PORT` / `[V6]:PORT` and printable the same way.
///
/// Kept as a `sockaddr_storage` so it can be handed to `bind` and filled by `recvmmsg`/`accept`
/// without conversion.
public struct SocketAddress: Sendable, CustomStringConvertible {
    public struct ParseError: Error, CustomStringConvertible {
        public let text: String
        public var description: String {
            "invalid address '\(text)': expected IPv4:PORT, [IPv6]:PORT or localhost:PORT with PORT 0-65535"
        }
    }

    var storage: sockaddr_storage

    public var family: Int32 { Int32(storage.ss_family) }

    var length: socklen_t {
        socklen_t(family == AF_INET6 ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size)
    }

    init(storage: sockaddr_storage) {
        self.storage = storage
    }

    /// `0.0.0.0:5514`, `127.0.0.1:5514`, `[::1]:5514`, `[::]:5514`, `localhost:5514`.
    public init(parsing text: String) throws(ParseError) {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else {
            throw ParseError(text: text)
        }
        var host = String(text[..<colon])
        if host == "localhost" { host = "127.0.0.1" }
        var storage = sockaddr_storage()
        if host.hasPrefix("["), host.hasSuffix("]") {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            guard inet_pton(AF_INET6, String(host.dropFirst().dropLast()), &address.sin6_addr) == 1 else {
                throw ParseError(text: text)
            }
            withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: address, as: sockaddr_in6.self) }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { throw ParseError(text: text) }
            withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: address, as: sockaddr_in.self) }
        }
        self.storage = storage
    }

    public var port: UInt16 {
        withUnsafeBytes(of: storage) { raw in
            family == AF_INET6
                ? UInt16(bigEndian: raw.load(as: sockaddr_in6.self).sin6_port)
                : UInt16(bigEndian: raw.load(as: sockaddr_in.self).sin_port)
        }
    }

    /// `127.0.0.1:54321` or `[::1]:54321`.
    public var description: String {
        family == AF_INET6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// The numeric host: `127.0.0.1` or `::1` (no brackets).
    public var host: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        var copy = storage
        return withUnsafeMutableBytes(of: &copy) { raw in
            if family == AF_INET6 {
                var address = raw.load(as: sockaddr_in6.self).sin6_addr
                inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count))
            } else {
                var address = raw.load(as: sockaddr_in.self).sin_addr
                inet_ntop(AF_INET, &address, &buffer, socklen_t(buffer.count))
            }
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        withUnsafeBytes(of: storage) { raw in
            body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), length)
        }
    }
}

/// A peer's address in 28 bytes, copied per message without allocation; printed only on demand.
public struct PeerAddress: Sendable {
    var storage: sockaddr_in6

    init(_ raw: UnsafeRawPointer) {
        var value = sockaddr_in6()
        let family = raw.load(as: sa_family_t.self)
        withUnsafeMutableBytes(of: &value) { out in
            let size = Int32(family) == AF_INET6 ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size
            out.copyMemory(from: UnsafeRawBufferPointer(start: raw, count: size))
        }
        storage = value
    }

    public var socketAddress: SocketAddress {
        var full = sockaddr_storage()
        withUnsafeMutableBytes(of: &full) { out in
            withUnsafeBytes(of: storage) { out.copyMemory(from: $0) }
        }
        return SocketAddress(storage: full)
    }
}
