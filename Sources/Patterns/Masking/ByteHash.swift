/// 64-bit FNV-1a over a byte stream. Token identities and template ids are built from it, so it
/// must never change: persisted template ids depend on it.
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
