import CVigilSockets
import Glibc

/// The few socket calls the listeners share, so each listener states only what differs.
enum SocketCalls {
    /// A close-on-exec socket for `address`'s family; IPv6 sockets are IPv6-only so that
    /// `[::]` and `0.0.0.0` can be bound side by side. -1 on failure (errno set).
    static func open(for address: SocketAddress, type: __socket_type, nonBlocking: Bool = false) -> Int32 {
        var flags = Int32(type.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        if nonBlocking { flags |= Int32(SOCK_NONBLOCK.rawValue) }
        let fd = Glibc.socket(address.family, flags, 0)
        if fd >= 0, address.family == AF_INET6 {
            setOption(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, 1)
        }
        return fd
    }

    @discardableResult
    static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32) -> Bool {
        var value = value
        return setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size)) == 0
    }

    static func bind(_ fd: Int32, to address: SocketAddress) -> Bool {
        address.withSockaddr { Glibc.bind(fd, $0, $1) } == 0
    }
}
