/// A map from an already-hashed 64-bit key to a 64-bit value: open addressing, linear probing.
///
/// Why not `Dictionary`: the keys on the per-message path (shape hashes, template ids, service
/// hashes) are hashes already, and `Dictionary` hashes them again with SipHash — about a hundred
/// instructions per lookup, several lookups per message. Here a lookup is a multiply, a shift
/// and (almost always) one probe.
///
/// Capacity is a power of two, at most half full (it doubles when needed). Removal shifts the
/// following entries back, so there are no tombstones.
public struct HashIndex: Sendable {
    private var keys: [UInt64]
    private var values: [UInt64]
    private var used: [Bool]
    private var shift: UInt64
    public private(set) var count = 0

    public init(minimumCapacity: Int = 16) {
        var capacity = 16
        while capacity < 2 * minimumCapacity { capacity *= 2 }
        keys = Array(repeating: 0, count: capacity)
        values = Array(repeating: 0, count: capacity)
        used = Array(repeating: false, count: capacity)
        shift = UInt64(64 - capacity.trailingZeroBitCount)
    }

    @inline(__always)
    private func home(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    public subscript(key: UInt64) -> UInt64? {
        let mask = keys.count - 1
        var index = home(key)
        return used.withUnsafeBufferPointer { used in
            keys.withUnsafeBufferPointer { keys in
                while used[index] {
                    if keys[index] == key { return values[index] }
                    index = (index + 1) & mask
                }
                return nil
            }
        }
    }

    /// Sets `key`'s value (inserting it, or replacing the one it had).
    public mutating func set(_ key: UInt64, _ value: UInt64) {
        if 2 * (count + 1) > keys.count { grow() }
        let mask = keys.count - 1
        var index = home(key)
        while used[index] {
            if keys[index] == key {
                values[index] = value
                return
            }
            index = (index + 1) & mask
        }
        used[index] = true
        keys[index] = key
        values[index] = value
        count += 1
    }

    /// Removes `key` if present.
    public mutating func remove(_ key: UInt64) {
        let mask = keys.count - 1
        var index = home(key)
        while used[index] {
            if keys[index] == key { break }
            index = (index + 1) & mask
        }
        guard used[index] else { return }
        used[index] = false
        count -= 1
        // Shift back the entries of the run that follows, so lookups need no tombstones.
        var hole = index
        var next = (index + 1) & mask
        while used[next] {
            let wanted = home(keys[next])
            // Move `next` into the hole unless its home lies cyclically in (hole, next].
            let stays = hole <= next ? (wanted > hole && wanted <= next) : (wanted > hole || wanted <= next)
            if !stays {
                keys[hole] = keys[next]
                values[hole] = values[next]
                used[hole] = true
                used[next] = false
                hole = next
            }
            next = (next + 1) & mask
        }
    }

    public mutating func removeAll() {
        guard count > 0 else { return }
        for index in used.indices { used[index] = false }
        count = 0
    }

    private mutating func grow() {
        let old = (keys, values, used)
        let capacity = keys.count * 2
        keys = Array(repeating: 0, count: capacity)
        values = Array(repeating: 0, count: capacity)
        used = Array(repeating: false, count: capacity)
        shift = UInt64(64 - capacity.trailingZeroBitCount)
        count = 0
        for index in old.0.indices where old.2[index] { set(old.0[index], old.1[index]) }
    }
}
