/// The 64-bit keys of the session-level advisory locks the cluster holds on its dedicated
/// connections. PostgreSQL releases them when the session ends, however it ends (a clean exit,
/// SIGKILL, a dropped network once the server's keepalive notices), which is what makes them a
/// lease that needs no clock.
enum AdvisoryLockKey {
    /// Held by the leader ("Vigil" in ASCII, then 2; the migration lock is …01).
    static let leader: Int64 = 0x5669_6769_6C00_0002

    /// Held by the instance named `name` for as long as it runs: a second live instance with the
    /// same name cannot take it. FNV-1a over a prefix and the name; a collision of two different
    /// names (about 2⁻⁶⁴) would refuse the second one with a clear message, never merge them.
    static func instance(_ name: String) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in ("vigil.cluster.instance:" + name).utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return Int64(bitPattern: hash)
    }
}
