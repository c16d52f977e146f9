#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// This machine's name as `gethostname(2)` gives it — never a DNS lookup. (Foundation's
/// `ProcessInfo.hostName` resolves the canonical name, which stalls start-up for seconds where
/// no resolver answers, e.g. in a network namespace.) Used for `instance` and claim owners.
public enum HostName {
    public static var current: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "localhost" : name
    }
}
