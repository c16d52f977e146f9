/// 64-bit FNV-1a over a byte stream. Token identities and template ids are built from it, so it
/// must never change: persisted template ids depend on it.
@usableFromInline
struct ByteHash {
    static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01b3

    var value: UInt64 = ByteHash.offsetBasis

    init() {}

    mutating func add(_ byte: UInt8) {
        value = (value ^ UInt64(byte)) &* Self.prime
    }

    mutating func add(_ bytes: UnsafeRawBufferPointer) {
        for byte in bytes { add(byte) }
    }

    /// Folds a 64-bit word in (token hashes into a sequence hash), with a final avalanche so
    /// that sequences differing in one token differ in every bit.
    mutating func add(word: UInt64) {
        value = Self.mix(value ^ word) &* Self.prime
    }

    /// splitmix64's finaliser.
    @usableFromInline
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// The identity of a token that is entirely variable: the hash of the bytes `<*>`.
    static let variable: UInt64 = {
        var hash = ByteHash()
        hash.add(UInt8(ascii: "<"))
        hash.add(UInt8(ascii: "*"))
        hash.add(UInt8(ascii: ">"))
        return hash.value
    }()
}

/// A hash of raw bytes eight at a time — one multiply per eight bytes, the tail packed into one
/// more word, splitmix64's finaliser at the end — for keys that are never persisted: the token
/// cache's keys and fingerprints, service names picking a shard and a table slot. (`ByteHash`,
/// byte by byte, is the one ids are built from.) Different seeds and multipliers give
/// independent hashes of the same bytes.
public enum WordHash {
    public static let multiplier: UInt64 = 0x9E37_79B9_7F4A_7C15

    @inlinable
    public static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64, multiplier: UInt64 = WordHash.multiplier) -> UInt64 {
        var value = seed ^ UInt64(bytes.count)
        guard let base = bytes.baseAddress else { return ByteHash.mix(value) }
        let count = bytes.count
        var offset = 0
        while offset + 8 <= count {
            value = (value ^ base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* multiplier
            offset += 8
        }
        if offset < count {
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while offset < count {
                tail |= UInt64(base.load(fromByteOffset: offset, as: UInt8.self)) &<< shift
                shift += 8
                offset += 1
            }
            value = (value ^ tail) &* multiplier
        }
        return ByteHash.mix(value)
    }
}
