/// The masked "shape" of a message: numbers, hex, IP addresses, UUIDs, paths and `key=value`
/// values replaced by `<*>`, tokens separated by one space — the same masking the miner
/// applies, for grouping sample messages without a miner.
public enum MessageShape {
    public static func masked(_ text: String) -> String {
        var text = text
        return text.withUTF8 { masked(UnsafeRawBufferPointer($0)) }
    }

    public static func masked(_ bytes: UnsafeRawBufferPointer, maximumTokens: Int = 128) -> String {
        var tokens: [MaskedToken] = []
        Tokenizer.tokenize(bytes, into: &tokens, limit: max(1, maximumTokens))
        var sink = MaskedTextSink()
        for (index, token) in tokens.enumerated() {
            if index > 0 { sink.append(UInt8(ascii: " ")) }
            Tokenizer.maskedText(bytes, token, into: &sink)
        }
        return String(decoding: sink.bytes, as: UTF8.self)
    }
}
