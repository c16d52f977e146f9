/// Error samples grouped by shape: the message with its variable parts masked, so that
/// "timeout after 30 s to 10.0.0.7" and "timeout after 12 s to 10.0.0.9" count as one.
///
/// The masking lives here, in one function, on purpose: the template miner
/// (`Patterns.MessageShape.masked`) will replace ``MessageShapes/mask(_:)`` when it lands.
public struct MessageShapes: Sendable, Hashable {
    public struct Shape: Sendable, Hashable {
        /// The masked text: `<IP>`, `<ID>` (UUIDs, long hex), `<NUM>` stand in for the variable parts.
        public var text: String
        public var count: Int
    }

    /// Most frequent first; ties in order of first appearance.
    public var shapes: [Shape]
    /// Samples grouped (the denominator of the counts).
    public var total: Int

    public init(_ messages: [String]) {
        var order: [String] = []
        var counts: [String: Int] = [:]
        for message in messages {
            let shape = Self.mask(message)
            if counts[shape] == nil { order.append(shape) }
            counts[shape, default: 0] += 1
        }
        let ranked = order.enumerated().sorted { lhs, rhs in
            let (l, r) = (counts[lhs.element] ?? 0, counts[rhs.element] ?? 0)
            return l != r ? l > r : lhs.offset < rhs.offset
        }
        shapes = ranked.map { Shape(text: $0.element, count: counts[$0.element] ?? 0) }
        total = messages.count
    }

    /// Masks IPv4 addresses (with an optional port), UUIDs and long hex identifiers, then every
    /// remaining run of digits. Also trims and collapses whitespace.
    public static func mask(_ message: String) -> String {
        var text = message.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        text = text.replacing(#/\b\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?\b/#, with: "<IP>")
        text = text.replacing(#/\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b/#, with: "<ID>")
        text = text.replacing(#/\b(?:0x)?(?=[0-9a-fA-F]*[a-fA-F])(?=[0-9a-fA-F]*[0-9])[0-9a-fA-F]{8,}\b/#, with: "<ID>")
        text = text.replacing(#/\d+(?:\.\d+)?/#, with: "<NUM>")
        return text
    }
}
