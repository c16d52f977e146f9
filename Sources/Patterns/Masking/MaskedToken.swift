/// One token of a message after masking: where it is in the message and what it is.
struct MaskedToken: Sendable {
    var start: Int32
    var end: Int32
    /// Hash of the masked bytes (`ByteHash.variable` for an entirely variable token).
    var identity: UInt64

    var isVariable: Bool { identity == ByteHash.variable }
}

enum Tokenizer {
    /// Splits `bytes` on whitespace into `tokens` (cleared first, capacity kept: no allocation
    /// once warm), masking each. At most `limit` tokens: the rest of a longer message is one
    /// variable token, so a pathological line costs bounded work and state.
    
    static func tokenize(_ bytes: UnsafeRawBufferPointer, into tokens: inout [MaskedToken], limit: Int) {
        tokens.removeAll(keepingCapacity: true)
        TokenMasking.classes.withUnsafeBufferPointer { classes in
            var i = 0
            let end = bytes.count
            while i < end {
                while i < end, classes[Int(bytes[i])] & TokenMasking.space != 0 { i += 1 }
                guard i < end else { break }
                if tokens.count == limit - 1 {
                    var last = end
                    while last > i, classes[Int(bytes[last - 1])] & TokenMasking.space != 0 { last -= 1 }
                    tokens.append(MaskedToken(start: Int32(i), end: Int32(last), identity: ByteHash.variable))
                    return
                }
                let j = tokenEnd(bytes, from: i, classes: classes)
                var identity = maskedIdentity(bytes, from: i, to: j, classes: classes)
                if identity != ByteHash.variable, let previous = tokens.last, previous.isVariable,
                    TokenMasking.isUnit(bytes, from: i, to: j, classes: classes)
                {
                    identity = ByteHash.variable  // `5 ms`, `(18.4 KB)`: the unit goes with its value
                }
                tokens.append(MaskedToken(start: Int32(i), end: Int32(j), identity: identity))
                i = j
            }
        }
    }

    /// The identity of the token `bytes[start..<end]`: the hash of its masked bytes, or
    /// `ByteHash.variable` when it is entirely variable.
    @inline(__always)
    static func maskedIdentity(
        _ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int, classes: UnsafeBufferPointer<UInt8>
    ) -> UInt64 {
        var hash = ByteHash()
        switch TokenMasking.mask(bytes, from: start, to: end, into: &hash, classes: classes) {
        case .constant: return hash.value
        case .variable: return ByteHash.variable
        }
    }

    /// The end of the token starting at `start`: the next whitespace, except inside a quoted
    /// `key="value with spaces"` (when the quote closes; otherwise the next whitespace).
    static func tokenEnd(_ bytes: UnsafeRawBufferPointer, from start: Int, classes: UnsafeBufferPointer<UInt8>) -> Int {
        let end = bytes.count
        var j = start + 1
        var quoted = false
        var firstSpace = -1
        while j < end {
            let c = bytes[j]
            if classes[Int(c)] & TokenMasking.space != 0 {
                if !quoted { return j }
                if firstSpace < 0 { firstSpace = j }
            } else if c == UInt8(ascii: "\"") {
                if quoted {
                    quoted = false
                } else if bytes[j - 1] == UInt8(ascii: "=") {
                    quoted = true
                }
            }
            j += 1
        }
        return quoted && firstSpace >= 0 ? firstSpace : end
    }

    /// The masked text of one token (slow path: creating a template, `MessageShape`).
    static func maskedText(_ bytes: UnsafeRawBufferPointer, _ token: MaskedToken, into sink: inout MaskedTextSink) {
        let mark = sink.bytes.count
        if TokenMasking.mask(bytes, from: Int(token.start), to: Int(token.end), into: &sink) == .variable
            || token.isVariable
        {
            sink.bytes.removeSubrange(mark...)
            sink.appendVariable()
        }
    }
}
