/// The miner's record of one live template.
struct TemplateState: Sendable {
    var id: TemplateID
    /// Token identities by position; `ByteHash.variable` where the position is variable.
    var tokens: [UInt64]
    /// Masked text of each constant token as first seen (kept for variable positions too, unused).
    var tokenTexts: [[UInt8]]
    /// The template text, rendered again whenever a position becomes variable.
    var rendered: [UInt8]
    var count: Int
    /// The miner's message counter when this template last matched (least recently seen is evicted).
    var lastSeen: UInt64
    /// The miner's message counter when it was created (the oldest of folded templates survives).
    var created: UInt64
    var aliases: [TemplateID]
    var isLive: Bool

    init(id: TemplateID, tokens: [UInt64], tokenTexts: [[UInt8]], count: Int, lastSeen: UInt64, created: UInt64, aliases: [TemplateID] = []) {
        self.id = id
        self.tokens = tokens
        self.tokenTexts = tokenTexts
        self.rendered = []
        self.count = count
        self.lastSeen = lastSeen
        self.created = created
        self.aliases = aliases
        self.isLive = true
        render()
    }

    mutating func render() {
        rendered.removeAll(keepingCapacity: true)
        for (position, identity) in tokens.enumerated() {
            if position > 0 { rendered.append(UInt8(ascii: " ")) }
            if identity == ByteHash.variable {
                rendered.append(contentsOf: [UInt8(ascii: "<"), UInt8(ascii: "*"), UInt8(ascii: ">")])
            } else {
                rendered.append(contentsOf: tokenTexts[position])
            }
        }
    }

    var constantCount: Int {
        var n = 0
        for identity in tokens where identity != ByteHash.variable { n += 1 }
        return n
    }

    var mined: MinedTemplate {
        MinedTemplate(id: id, text: String(decoding: rendered, as: UTF8.self), count: count, aliases: aliases)
    }
}
