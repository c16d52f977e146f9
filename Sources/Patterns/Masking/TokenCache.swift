/// Remembers what raw tokens masked to, so that a token seen before costs a scan and a lookup
/// instead of the masking rules.
///
/// Why: masking is a pure function of a token's bytes, and the same words come back in almost
/// every message of a kind ("Payment", "authorized", "for", "customer=", "status:"). Masking walks
/// every byte through several rules and hashes it one byte at a time (FNV-1a, whose multiply
/// chain bounds it to a few cycles per byte); the cache key is computed eight bytes at a time
/// while the tokenizer looks for the token's end anyway. Values (numbers, ids) miss and are masked
/// as before, so the identities — and the template ids built from them — are exactly those of
/// `TokenMasking`.
///
/// Direct-mapped: a slot holds one token (up to `maximumLength` bytes, compared byte for byte on a
/// hit; a longer one, up to `maximumLongLength`, by a second 64-bit fingerprint of its bytes, as
/// template ids are hashes too); a colliding token replaces it. Fixed size (about 110 KiB), allocated once: no allocation
/// per message. One serves every miner of an owner (a shard's services share it), since masking
/// does not depend on the service.
public struct TokenCache: Sendable {
    /// Tokens up to this long are kept byte for byte.
    static let maximumLength = 32
    /// Longer tokens (Java class names, padding) are kept by fingerprint, up to this long, and
    /// only when masking left them whole: a long token with a value inside (a URL with an id)
    /// rarely comes back and would only push words out.
    static let maximumLongLength = 255
    static let slotCount = 2048
    /// A key's slot is its top bits (keys end with a multiply, whose high bits depend on every
    /// byte; the low bits would not).
    static let indexShift = UInt64(64 - slotCount.trailingZeroBitCount)
    /// The odd multiplier keys are folded with (`WordHash`'s, as the prefix keys are made by it).
    static let multiplier = WordHash.multiplier

    /// What a slot's bytes are: a whole token, or the `key=` part of a `key=value` token whose
    /// value runs to the token's end (its identity does not depend on the value).
    enum Kind: UInt8, Sendable {
        case token = 1
        case keyPrefix = 2
        /// A token longer than `maximumLength`: its fingerprint sits where a short token's bytes would.
        case longToken = 3
    }

    struct Slot: Sendable {
        var key: UInt64 = 0
        var identity: UInt64 = 0
        var length: UInt8 = 0
        var kind: UInt8 = 0
    }

    private var slots: [Slot]
    /// Each slot's bytes, `maximumLength` per slot.
    private var bytes: [UInt8]

    public init() {
        slots = Array(repeating: Slot(), count: Self.slotCount)
        bytes = Array(repeating: 0, count: Self.slotCount * Self.maximumLength)
    }

    /// Pointers to the slots and their bytes, for one message's lookups and insertions (one
    /// uniqueness check per message instead of one per token).
    struct Storage {
        let slots: UnsafeMutablePointer<Slot>
        let bytes: UnsafeMutableRawPointer

        /// The cached identity of `token` (whose key is `key`), if it is there.
        @inline(__always)
        func identity(of token: UnsafeRawBufferPointer, key: UInt64, kind: Kind) -> UInt64? {
            let index = Int(truncatingIfNeeded: key >> TokenCache.indexShift)
            let slot = slots[index]
            guard slot.key == key, Int(slot.length) == token.count, slot.kind == kind.rawValue, token.count > 0 else { return nil }
            return ByteComparison.equal(bytes + index * TokenCache.maximumLength, token.baseAddress!, count: token.count)
                ? slot.identity : nil
        }

        /// The cached identity of a long token (`maximumLength` < count ≤ `maximumLongLength`).
        func identity(ofLong token: UnsafeRawBufferPointer, key: UInt64, fingerprint: UInt64) -> UInt64? {
            let index = Int(truncatingIfNeeded: key >> TokenCache.indexShift)
            let slot = slots[index]
            guard slot.key == key, Int(slot.length) == token.count, slot.kind == Kind.longToken.rawValue else { return nil }
            return (bytes + index * TokenCache.maximumLength).load(as: UInt64.self) == fingerprint ? slot.identity : nil
        }

        func insert(long token: UnsafeRawBufferPointer, key: UInt64, fingerprint: UInt64, identity: UInt64) {
            guard token.count > TokenCache.maximumLength, token.count <= TokenCache.maximumLongLength else { return }
            let index = Int(truncatingIfNeeded: key >> TokenCache.indexShift)
            slots[index] = Slot(key: key, identity: identity, length: UInt8(token.count), kind: Kind.longToken.rawValue)
            (bytes + index * TokenCache.maximumLength).storeBytes(of: fingerprint, as: UInt64.self)
        }

        @inline(__always)
        func insert(_ token: UnsafeRawBufferPointer, key: UInt64, kind: Kind, identity: UInt64) {
            guard token.count > 0, token.count <= TokenCache.maximumLength else { return }
            let index = Int(truncatingIfNeeded: key >> TokenCache.indexShift)
            slots[index] = Slot(key: key, identity: identity, length: UInt8(token.count), kind: kind.rawValue)
            (bytes + index * TokenCache.maximumLength).copyMemory(from: token.baseAddress!, byteCount: token.count)
        }
    }

    mutating func withStorage<Result>(_ body: (Storage) -> Result) -> Result {
        slots.withUnsafeMutableBufferPointer { slots in
            bytes.withUnsafeMutableBytes { bytes in
                body(Storage(slots: slots.baseAddress!, bytes: bytes.baseAddress!))
            }
        }
    }
}

extension Tokenizer {
    /// `tokenize(_:into:limit:)` with a cache of raw token → identity: the same tokens, the same
    /// identities (a differential test holds the two to that), at a fraction of the cost when
    /// the words have been seen before.
    ///
    /// A token is found eight bytes at a time: a word with no byte ≤ 0x20 (space class and other
    /// control bytes) and no `"` is skipped whole, folded into the key with one multiply. A token
    /// with a quote goes the slow way (`tokenEnd`, the quoted `key="a b"` rule) and is not cached.
    /// Plain numbers and `key=value` tokens skip the whole-token lookup: neither is ever cached
    /// whole (a number is a variable; a `key=` part decides its token), so it could only miss.
    static func tokenize(
        _ bytes: UnsafeRawBufferPointer, into tokens: inout [MaskedToken], limit: Int, cache: inout TokenCache,
        buffer: inout [MaskedToken]
    ) {
        if buffer.count < limit { buffer = Array(repeating: MaskedToken(start: 0, end: 0, identity: 0), count: limit) }
        let count = buffer.withUnsafeMutableBufferPointer { out in
            cache.withStorage { storage in
                TokenMasking.classes.withUnsafeBufferPointer { classes in
                    tokenize(bytes, into: out, limit: limit, cache: storage, classes: classes)
                }
            }
        }
        tokens.removeAll(keepingCapacity: true)
        tokens.append(contentsOf: buffer[..<count])
    }

    /// The loop of `tokenize(_:into:limit:cache:buffer:)`, on raw pointers; returns the count.
    private static func tokenize(
        _ bytes: UnsafeRawBufferPointer, into out: UnsafeMutableBufferPointer<MaskedToken>, limit: Int,
        cache: TokenCache.Storage, classes: UnsafeBufferPointer<UInt8>
    ) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        var count = 0
        var previousIsVariable = false
        var i = 0
        let end = bytes.count
        while i < end {
            while i < end, classes[Int(bytes[i])] & TokenMasking.space != 0 { i += 1 }
            guard i < end else { break }
            if count == limit - 1 {
                var last = end
                while last > i, classes[Int(bytes[last - 1])] & TokenMasking.space != 0 { last -= 1 }
                out[count] = MaskedToken(start: Int32(i), end: Int32(last), identity: ByteHash.variable)
                return count + 1
            }
            // Find the token's end and its cache key in one pass.
            var j = i
            var key: UInt64 = 0x9E37_79B9_7F4A_7C15
            var quoted = false
            var ended = false
            var equals: UInt64 = 0  // non-zero when the token has a `=`
            while j + 8 <= end {
                let word = base.loadUnaligned(fromByteOffset: j, as: UInt64.self)
                let flags = Self.controlOrQuoteFlags(word)
                if flags == 0 {
                    key = (key ^ word) &* TokenCache.multiplier
                    equals |= Self.equalsFlags(word)
                    j += 8
                    continue
                }
                // The lowest flagged byte is exact (borrows only spoil bytes above a true one):
                // when it is whitespace, the token ends there, its last bytes already in `word`.
                let k = flags.trailingZeroBitCount >> 3
                if classes[Int(UInt8(truncatingIfNeeded: word >> UInt64(8 * k)))] & TokenMasking.space != 0 {
                    if k > 0 {
                        let mask: UInt64 = (1 &<< UInt64(8 * k)) &- 1
                        key = (key ^ (word & mask)) &* TokenCache.multiplier
                        equals |= Self.equalsFlags(word) & mask  // a false flag lies above a true one
                    }
                    j += k
                    ended = true
                }
                break  // else a quote or another control byte: byte by byte from here
            }
            while !ended, j < end {
                let c = bytes[j]
                if classes[Int(c)] & TokenMasking.space != 0 { break }
                if c == UInt8(ascii: "\"") { quoted = true }
                if c == UInt8(ascii: "=") { equals = 1 }
                key = (key &<< 7 | key &>> 57) ^ UInt64(c)
                j += 1
            }
            var identity: UInt64
            if quoted {
                j = tokenEnd(bytes, from: i, classes: classes)
                identity = maskedIdentity(bytes, from: i, to: j, classes: classes)
            } else {
                let token = UnsafeRawBufferPointer(rebasing: bytes[i..<j])
                key = (key ^ UInt64(j - i)) &* TokenCache.multiplier
                let first = bytes[i]
                if first &- UInt8(ascii: "0") < 10 || first == UInt8(ascii: "."), isPlainNumber(token) {
                    identity = ByteHash.variable  // `8080`, `0.25`, `10.0.0.1`: one word with digits, never cached
                } else if equals != 0, let prefix = keyPrefix(bytes, from: i, to: j, classes: classes) {
                    // `trace=7f3a…`, `seq=81234`: the value never repeats, the key does.
                    let part = UnsafeRawBufferPointer(rebasing: bytes[i..<prefix])
                    let prefixKey = WordHash.hash(part, seed: 0x5EED)
                    if let cached = cache.identity(of: part, key: prefixKey, kind: .keyPrefix) {
                        identity = cached
                    } else {
                        identity = maskedIdentity(bytes, from: i, to: j, classes: classes)
                        cache.insert(part, key: prefixKey, kind: .keyPrefix, identity: identity)
                    }
                } else if let cached = cache.identity(of: token, key: key, kind: .token) {
                    identity = cached
                } else if token.count <= TokenCache.maximumLength {
                    identity = maskedIdentity(bytes, from: i, to: j, classes: classes)
                    cache.insert(token, key: key, kind: .token, identity: identity)
                } else {
                    identity = longIdentity(bytes, from: i, to: j, key: key, cache: cache, classes: classes)
                }
            }
            if identity != ByteHash.variable, previousIsVariable, TokenMasking.isUnit(bytes, from: i, to: j, classes: classes) {
                identity = ByteHash.variable  // `5 ms`, `(18.4 KB)`: the unit goes with its value
            }
            out[count] = MaskedToken(start: Int32(i), end: Int32(j), identity: identity)
            count += 1
            previousIsVariable = identity == ByteHash.variable
            i = j
        }
        return count
    }

    /// A token longer than the byte-for-byte slots: looked up by fingerprint; masked on a miss,
    /// and kept only when masking left it whole (a constant with no value inside).
    @inline(never)  // rare: kept out of the tokenizer's loop
    private static func longIdentity(
        _ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int, key: UInt64, cache: TokenCache.Storage,
        classes: UnsafeBufferPointer<UInt8>
    ) -> UInt64 {
        guard end - start <= TokenCache.maximumLongLength else {
            return maskedIdentity(bytes, from: start, to: end, classes: classes)
        }
        let token = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
        // Independent of the key: another seed and another multiplier; a hit needs both to agree.
        let fingerprint = WordHash.hash(token, seed: 0xD6E8_FEB8_6659_FD93, multiplier: 0xFF51_AFD7_ED55_8CCD)
        if let cached = cache.identity(ofLong: token, key: key, fingerprint: fingerprint) { return cached }
        var sink = WholeTokenHash()
        guard case .constant = TokenMasking.mask(bytes, from: start, to: end, into: &sink, classes: classes) else {
            return ByteHash.variable
        }
        if !sink.masked { cache.insert(long: token, key: key, fingerprint: fingerprint, identity: sink.hash.value) }
        return sink.hash.value
    }

    /// For a `key=value` token whose value runs to the token's end — non-empty, with no
    /// delimiter (`,;)]}&"'`) and no bracket in it — the end of its `key=` part; nil otherwise.
    /// Masking such a token writes `<*>` for the value whatever it is (and no other rule looks
    /// at the value), so its identity is decided by the `key=` part alone.
    static func keyPrefix(
        _ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int, classes: UnsafeBufferPointer<UInt8>
    ) -> Int? {
        var k = start + 1
        while k < end, !(bytes[k] == UInt8(ascii: "=") && classes[Int(bytes[k - 1])] & TokenMasking.word != 0) { k += 1 }
        guard k + 1 < end else { return nil }
        for v in (k + 1)..<end {
            let c = bytes[v]
            if classes[Int(c)] & TokenMasking.valueEnd != 0 || c == UInt8(ascii: "{") || c == UInt8(ascii: "(")
                || c == UInt8(ascii: "[")
            {
                return nil
            }
        }
        return k + 1
    }

    /// Digits and dots only, at least one digit: a single word with a digit and no letters, which
    /// masking makes a variable (no path, no identifier, no key=value can start that way).
    @inline(__always)
    static func isPlainNumber(_ token: UnsafeRawBufferPointer) -> Bool {
        var digit = false
        for c in token {
            if c &- UInt8(ascii: "0") < 10 {
                digit = true
            } else if c != UInt8(ascii: ".") {
                return false
            }
        }
        return digit
    }

    /// The high bit of each byte of `word` that is `=` — exact for the lowest flagged byte, so
    /// exact as "is there one" over any low run of bytes.
    @inline(__always)
    static func equalsFlags(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let equals = word ^ (ones &* 0x3D)
        return (equals &- ones) & ~equals & 0x8080_8080_8080_8080
    }

    /// Whether any of the eight bytes is ≤ 0x20 (whitespace and other control bytes) or `"`.
    @inline(__always)
    static func hasControlOrQuote(_ word: UInt64) -> Bool {
        controlOrQuoteFlags(word) != 0
    }

    /// The high bit of each byte of `word` (little-endian: the first byte lowest) that is ≤ 0x20
    /// or `"` — exact for the lowest flagged byte; bytes above it may be flagged falsely.
    @inline(__always)
    static func controlOrQuoteFlags(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        // Bytes below 0x21 (high bit clear): the classic "has less than n" test.
        let low = (word &- ones &* 0x21) & ~word & highs
        let quotes = word ^ (ones &* 0x22)
        let quote = (quotes &- ones) & ~quotes & highs
        return low | quote
    }
}

/// The masked identity of a token, noting whether masking replaced anything in it.
struct WholeTokenHash: MaskedByteSink {
    var hash = ByteHash()
    var masked = false

    mutating func append(_ byte: UInt8) { hash.add(byte) }
    mutating func append(_ bytes: UnsafeRawBufferPointer) { hash.add(bytes) }
    mutating func appendVariable() {
        masked = true
        hash.appendVariable()
    }
}
