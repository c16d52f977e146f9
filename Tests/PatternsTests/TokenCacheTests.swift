import Testing
@testable import Patterns

/// The cached tokenizer must give exactly the tokens (bounds and identities) of the plain one:
/// template ids are built from them.
@Suite struct TokenCacheTests {
    /// Deterministic pseudo-random messages over an alphabet that exercises every rule: words,
    /// digits, hex, `=`, quotes, brackets, slashes, colons, units, control bytes, non-ASCII.
    static func messages(count: Int, seed: UInt64) -> [[UInt8]] {
        let pieces: [String] = [
            "user", "root", "=", "\"", " ", "  ", "\t", "{", "}", "(", ")", "[", "]", "/", "//", ":", ",", ";", ".",
            "0", "42", "3.14", "0x1f", "deadbeefcafebabe1", "ms", "KB", "Jun", "eth0", "a-b", "_", "host.name:443",
            "key=", "key=\"a b\"", "ws=WorkSource{7}", "C:\\x", "~/y", "é", "\u{01}", "-", "<*>", "=\"", "\"x\"",
            // Longer than the byte-for-byte slots (kept by fingerprint when masking leaves them whole).
            "org.apache.hadoop.hdfs.server.datanode.DataNode.clienttrace:", String(repeating: "PADD", count: 60),
            "SessionManagerImplementationFactory", String(repeating: "x", count: 300),
        ]
        var state = seed
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(truncatingIfNeeded: state >> 33)
        }
        return (0..<count).map { _ in
            var text = ""
            for _ in 0..<(next() % 24) { text += pieces[next() % pieces.count] }
            return Array(text.utf8)
        }
    }

    @Test func cachedTokensEqualPlainTokens() {
        var cache = TokenCache()
        var plain: [MaskedToken] = []
        var cached: [MaskedToken] = []
        var buffer: [MaskedToken] = []
        // Twice over the same messages: the second pass hits the cache.
        let messages = Self.messages(count: 3000, seed: 7)
        for message in messages + messages {
            message.withUnsafeBytes { bytes in
                for limit in [128, 4] {
                    Tokenizer.tokenize(bytes, into: &plain, limit: limit)
                    Tokenizer.tokenize(bytes, into: &cached, limit: limit, cache: &cache, buffer: &buffer)
                    #expect(plain.count == cached.count)
                    for (a, b) in zip(plain, cached) {
                        #expect(a.start == b.start && a.end == b.end && a.identity == b.identity,
                                "\(String(decoding: message, as: UTF8.self))")
                    }
                }
            }
        }
    }

    @Test func controlAndQuoteBytesAreFoundEightAtATime() {
        func word(_ s: String) -> UInt64 {
            var value: UInt64 = 0
            for (i, b) in s.utf8.prefix(8).enumerated() { value |= UInt64(b) << (8 * UInt64(i)) }
            return value
        }
        #expect(!Tokenizer.hasControlOrQuote(word("abcdefgh")))
        #expect(!Tokenizer.hasControlOrQuote(word("!~{}()[]")))
        #expect(Tokenizer.hasControlOrQuote(word("abc defg")))
        #expect(Tokenizer.hasControlOrQuote(word("abcdefg\"")))
        #expect(Tokenizer.hasControlOrQuote(word("\tbcdefgh")))
        #expect(Tokenizer.hasControlOrQuote(word("abcdefg\u{01}")))
    }
}

@Suite struct HashIndexTests {
    @Test func behavesLikeADictionary() {
        var index = HashIndex()
        var reference: [UInt64: UInt64] = [:]
        var state: UInt64 = 1
        for step in 0..<20_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let key = state >> 52  // few distinct keys: many hits, updates and removals
            switch step % 3 {
            case 0, 1:
                index.set(key, UInt64(step))
                reference[key] = UInt64(step)
            default:
                index.remove(key)
                reference[key] = nil
            }
            #expect(index[key] == reference[key])
        }
        #expect(index.count == reference.count)
        for (key, value) in reference { #expect(index[key] == value) }
        index.removeAll()
        #expect(index.count == 0)
        #expect(reference.keys.allSatisfy { index[$0] == nil })
    }
}
