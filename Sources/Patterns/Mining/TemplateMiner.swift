/// A streaming template miner: assigns each message text to a template with `<*>` for its
/// variable tokens, online, in one pass.
///
/// How a message is matched:
/// 1. It is split on whitespace and masked (`TokenMasking`): numbers, hex, IP addresses, UUIDs,
///    paths, units after values and `key=value` values become `<*>`. The masked token sequence
///    is its *shape*.
/// 2. A shape seen before maps straight to its template (one hash lookup: the hot path, no
///    allocation).
/// 3. A new shape is compared with the templates of the same length whose key words (the first
///    `exactPrefix` tokens, after a log header if the line has one) are equal; the most similar
///    at or above `similarityThreshold` takes it, and the positions where they differ become
///    variable.
/// 4. Else a template with the same constant words in the same order takes it (its values vary
///    in number: `(18.4 KB)` present or not).
/// 5. Else it starts a new template; and when that one and others differ only at one position
///    that now has `distinctValuesForVariable` values, they are folded into the oldest, with
///    that position variable.
///
/// Ids: a template's id is a hash of the shape that created it, so it is the same in every
/// process whatever arrived before, and it never changes when the template widens. When
/// templates are folded, the survivor keeps its id and the others' ids become its aliases:
/// `canonical(_:)` and `template(_:)` follow them, and they are persisted with the template.
///
/// A value type with a single owner (a shard's serial queue owns one per service). Memory is
/// bounded: at most `maximumTemplates` templates (the least recently seen is evicted and
/// counted), `maximumShapes` remembered shapes and skeletons, `maximumAliases` per template.
public struct TemplateMiner: Sendable {
    public struct Configuration: Sendable, Hashable {
        /// Live templates kept; creating one more evicts the least recently seen.
        public var maximumTemplates: Int = 1000
        /// Shapes remembered for the one-lookup path (the index is cleared when full).
        public var maximumShapes: Int = 16_384
        /// Tokens looked at per message; the rest of a longer message is one variable token.
        public var maximumTokens: Int = 128
        /// A new shape joins the most similar template of its length when at least this share
        /// of the template's constant tokens equal the shape's (a value where the template has
        /// a constant counts as equal: the constant was the first value seen).
        public var similarityThreshold: Double = 0.8
        /// Leading tokens that must be equal for a shape to join a template (message kinds tend to
        /// differ first in their first words: "Acquiring …" / "Releasing …").
        public var exactPrefix: Int = 2
        /// Templates that are equal but for one position, with this many distinct values there
        /// (counting the new one), are folded into one with that position variable: a word
        /// with many values is a variable (user and host names), a word with few is part of the
        /// message kind (`VM Started` / `VM Stopped`).
        public var distinctValuesForVariable: Int = 3
        /// Ids of folded templates kept per template (the oldest are kept).
        public var maximumAliases: Int = 64

        public init(maximumTemplates: Int = 1000) {
            self.maximumTemplates = maximumTemplates
        }
    }

    public let configuration: Configuration
    /// Templates evicted so far to stay within `maximumTemplates`.
    public private(set) var evictedCount = 0

    private var states: [TemplateState] = []
    private var freeSlots: [Int32] = []
    private var slotByID: [TemplateID: Int32] = [:]
    /// Folded-in template id → the id that absorbed it.
    private var aliasOf: [TemplateID: TemplateID] = [:]
    /// Shape hash → the template that took it: its slot and the slot's generation (slots get
    /// reused; a shape that pointed at a released slot is stale). The one lookup of a known shape.
    private var shapes = HashIndex(minimumCapacity: 256)
    /// Per slot, bumped whenever the slot is released.
    private var generations: [UInt32] = []
    /// Skeleton hash (constant tokens only) → the template that took it first.
    private var skeletons: [UInt64: ShapeEntry] = [:]
    /// Live slots by token count.
    private var byLength: [[Int32]]
    private var clock: UInt64 = 0
    private var liveCount = 0
    /// Reused for every message.
    private var scratch: [MaskedToken] = []
    /// The cached tokenizer's output buffer (`maximumTokens` long once used).
    private var tokenBuffer: [MaskedToken] = []
    /// The current message's key words: `exactPrefix` tokens after its header, if any.
    private var keyRange: Range<Int> = 0..<0

    struct ShapeEntry: Sendable {
        var slot: Int32
        var id: TemplateID
    }

    public init(configuration: Configuration = .init()) {
        var configuration = configuration
        configuration.maximumTemplates = max(1, configuration.maximumTemplates)
        configuration.maximumTokens = max(1, configuration.maximumTokens)
        configuration.maximumShapes = max(1, configuration.maximumShapes)
        self.configuration = configuration
        byLength = Array(repeating: [], count: configuration.maximumTokens + 1)
        scratch.reserveCapacity(configuration.maximumTokens)
    }

    /// Restores persisted templates (same ids, texts, counts and aliases), e.g. after a restart.
    /// Beyond `maximumTemplates`, the last ones given are dropped (and counted as evicted).
    public init(configuration: Configuration = .init(), restoring templates: [MinedTemplate]) {
        self.init(configuration: configuration)
        for template in templates {
            guard slotByID[template.id] == nil, aliasOf[template.id] == nil else { continue }
            guard liveCount < self.configuration.maximumTemplates else {
                evictedCount += 1
                continue
            }
            var tokens: [UInt64] = []
            var texts: [[UInt8]] = []
            for piece in template.text.utf8.split(separator: UInt8(ascii: " ")) {
                let bytes = Array(piece)
                if tokens.count == self.configuration.maximumTokens { break }
                var hash = ByteHash()
                bytes.withUnsafeBytes { hash.add($0) }
                tokens.append(hash.value)
                texts.append(bytes)
            }
            clock += 1
            let state = TemplateState(
                id: template.id, tokens: tokens, tokenTexts: texts, count: template.count, lastSeen: clock,
                created: clock, aliases: Array(template.aliases.prefix(self.configuration.maximumAliases)))
            insert(state)
        }
    }

    /// Live templates, by id (what persistence stores).
    public var templates: [MinedTemplate] {
        states.filter(\.isLive).map(\.mined).sorted { $0.id < $1.id }
    }

    /// The template `id` belongs to now (following folds), or nil when unknown or evicted.
    public func template(_ id: TemplateID) -> MinedTemplate? {
        slot(of: id).map { states[Int($0)].mined }
    }

    /// The id `id` is known by now: itself, or the template it was folded into.
    public func canonical(_ id: TemplateID) -> TemplateID {
        var id = id
        // Aliases point at live templates, which are never aliases themselves (folding remaps
        // them); the bound only guards against restored data that says otherwise.
        for _ in 0..<8 {
            guard let target = aliasOf[id] else { break }
            id = target
        }
        return id
    }

    /// Calls `body` with the UTF-8 text of template `id` (no `String` made: output paths).
    public func withText<Result>(of id: TemplateID, _ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result? {
        guard let slot = slot(of: id) else { return nil }
        return try states[Int(slot)].rendered.withUnsafeBytes(body)
    }

    /// Number of live templates.
    public var count: Int { liveCount }

    public mutating func add(_ text: String) -> (id: TemplateID, isNew: Bool) {
        var text = text
        return text.withUTF8 { add(UnsafeRawBufferPointer($0)) }
    }

    /// Assigns one message's text to a template; `isNew` when this call created it.
    public mutating func add(_ text: UnsafeRawBufferPointer) -> (id: TemplateID, isNew: Bool) {
        Tokenizer.tokenize(text, into: &scratch, limit: configuration.maximumTokens)
        return assign(text)
    }

    /// `add(_:)` with a cache of masked tokens (shared by all the miners of one owner): the same
    /// result, faster for words seen before. The receive path's shards mine this way.
    public mutating func add(_ text: UnsafeRawBufferPointer, cache: inout TokenCache) -> (id: TemplateID, isNew: Bool) {
        Tokenizer.tokenize(text, into: &scratch, limit: configuration.maximumTokens, cache: &cache, buffer: &tokenBuffer)
        return assign(text)
    }

    /// Assigns the message whose tokens are in `scratch`.
    private mutating func assign(_ text: UnsafeRawBufferPointer) -> (id: TemplateID, isNew: Bool) {
        clock &+= 1
        let key = shapeKey()
        if let packed = shapes[key] {
            let slot = Int(UInt32(truncatingIfNeeded: packed))
            if states[slot].isLive, generations[slot] == UInt32(truncatingIfNeeded: packed >> 32) {
                states[slot].count += 1
                states[slot].lastSeen = clock
                return (states[slot].id, false)
            }
        }
        let shape = shapeHash()
        keyRange = Self.keyRange(of: scratch, in: text, length: configuration.exactPrefix)
        let skeleton = skeletonHash()
        if let slot = mostSimilar() {
            widen(slot)
            remember(key, skeleton, slot)
            return (states[Int(slot)].id, false)
        }
        if let entry = skeletons[skeleton], states[Int(entry.slot)].isLive, states[Int(entry.slot)].id == entry.id {
            // Same constant words in the same order, only more or fewer values between them.
            let slot = Int(entry.slot)
            states[slot].count += 1
            states[slot].lastSeen = clock
            remember(key, skeleton, entry.slot)
            return (entry.id, false)
        }
        let created = create(shape: shape, text: text)
        let slot = foldSiblings(of: created)
        remember(key, skeleton, slot)
        return (states[Int(slot)].id, slot == created)
    }

    /// The scratch shape's key in `shapes`: a polynomial over its token identities (a multiply
    /// and an add per token). Why not `shapeHash()`: that one is persisted (a template's id) and
    /// avalanches every token — two dependent multiplies and shifts per token, most of a known
    /// message's cost here. The identities are hashes already, and an odd multiplier keeps any
    /// one changed token from colliding; `HashIndex` mixes the key before it picks a bucket.
    @inline(__always)
    private func shapeKey() -> UInt64 {
        var key = UInt64(scratch.count)
        scratch.withUnsafeBufferPointer { tokens in
            for token in tokens { key = key &* 0x9E37_79B9_7F4A_7C15 &+ token.identity }
        }
        return key
    }

    /// The scratch shape's hash: a new template's id, so it must never change.
    private func shapeHash() -> UInt64 {
        var hash = ByteHash()
        hash.add(word: UInt64(scratch.count))
        for token in scratch { hash.add(word: token.identity) }
        return hash.value
    }

    /// Where a message's key words are: its first tokens — after a leading bracketed context
    /// (`[instance: <*>]`), or, when the line still has a header (it starts with two variable
    /// tokens, a date and a time), after the header's end (the first token ending in `:` among
    /// the first eight, else the leading variables).
    static func keyRange(of tokens: [MaskedToken], in text: UnsafeRawBufferPointer, length: Int) -> Range<Int> {
        var start = 0
        if tokens.count >= 2, text[Int(tokens[0].start)] == UInt8(ascii: "[") {
            // A leading bracketed context (`[instance: <uuid>]`, `[client 10.0.0.1]`) says what
            // the message is about, not what kind of message it is.
            for position in 0..<min(4, tokens.count - 1) where text[Int(tokens[position].end) - 1] == UInt8(ascii: "]") {
                start = position + 1
                break
            }
        } else if tokens.count >= 3, tokens[0].isVariable, tokens[1].isVariable {
            start = 2
            while start < tokens.count, tokens[start].isVariable { start += 1 }
            for position in 2..<min(8, tokens.count) where text[Int(tokens[position].end) - 1] == UInt8(ascii: ":") {
                start = position + 1
                break
            }
        }
        start = min(start, tokens.count)
        return start..<min(start + length, tokens.count)
    }

    /// Hash of the scratch shape's constant tokens alone (variables dropped), or nil-like 0 when
    /// it has fewer than two: a message whose values vary in number (`(18.4 KB)` present or
    /// not, a list of one or three ids) keeps its template.
    private func skeletonHash() -> UInt64 {
        var hash = ByteHash()
        var constants = 0
        for token in scratch where !token.isVariable {
            hash.add(word: token.identity)
            constants += 1
        }
        return constants >= 2 ? hash.value : 0
    }

    // MARK: - Matching

    /// The template of the scratch shape's length that shares the largest share of its constant
    /// tokens with it, if at or above the threshold. Ties go to the smaller id (deterministic).
    private func mostSimilar() -> Int32? {
        let length = scratch.count
        var best: Int32?
        var bestScore = configuration.similarityThreshold
        var bestID = TemplateID(rawValue: .max)
        let key = keyRange
        candidates: for slot in byLength[length] {
            let state = states[Int(slot)]
            var keyIsVariable = false
            for position in key where state.tokens[position] != scratch[position].identity {
                // A key word differs: another kind of message, unless folding made it a variable.
                if state.tokens[position] != ByteHash.variable { continue candidates }
                keyIsVariable = true
            }
            var constants = 0
            var equal = 0
            for position in 0..<length {
                let identity = state.tokens[position]
                if identity == ByteHash.variable { continue }
                constants += 1
                // Equal, or a value where the template had kept the first value it saw.
                if identity == scratch[position].identity || (scratch[position].isVariable && !key.contains(position)) { equal += 1 }
            }
            if keyIsVariable && equal < Self.anchorsForKeyFold { continue }
            // One differing word is the sibling case: whether that word is a value or names
            // the kind of message (`client SPP` / `client WindowsUpdateAgent`, `destroy` /
            // `spawn`) is decided by how many values it takes (`foldSiblings`), not by
            // similarity — a merge here could never be undone.
            if constants - equal == 1 { continue }
            let score = constants == 0 ? 1 : Double(equal) / Double(constants)
            if score > bestScore || (score == bestScore && best != nil && state.id < bestID) || (score == bestScore && best == nil) {
                best = slot
                bestScore = score
                bestID = state.id
            }
        }
        return best
    }

    /// Makes every position where the scratch shape differs variable; counts the message.
    private mutating func widen(_ slot: Int32) {
        let index = Int(slot)
        var changed = false
        for position in 0..<scratch.count where states[index].tokens[position] != scratch[position].identity {
            if states[index].tokens[position] != ByteHash.variable {
                states[index].tokens[position] = ByteHash.variable
                changed = true
            }
        }
        if changed { states[index].render() }
        states[index].count += 1
        states[index].lastSeen = clock
    }

    // MARK: - Folding

    /// Folds the new template at `slot` with its siblings — templates of the same length equal
    /// to it but for one position — when that position has `distinctValuesForVariable` values.
    /// The oldest template survives, keeps its id and takes the others' ids as aliases. Returns
    /// the slot that now holds the new template's messages.
    static let anchorsForKeyFold = 5

    private mutating func foldSiblings(of slot: Int32) -> Int32 {
        let tokens = states[Int(slot)].tokens
        let length = tokens.count
        guard configuration.distinctValuesForVariable > 1, length > 0 else { return slot }
        var siblingsAt: [Int: [Int32]] = [:]
        for other in byLength[length] where other != slot {
            let theirs = states[Int(other)].tokens
            var conflicts = 0
            var conflict = 0
            var anchors = 0
            for position in 0..<length {
                let mine = tokens[position]
                let their = theirs[position]
                if mine == their || their == ByteHash.variable {
                    if mine == their && mine != ByteHash.variable { anchors += 1 }
                    continue
                }
                conflicts += 1
                conflict = position
                if conflicts > 1 { break }
            }
            // A key word (what kind of message it is) only becomes variable in a message long
            // enough that the rest still says what it is.
            if conflicts == 1 && (!keyRange.contains(conflict) || anchors >= Self.anchorsForKeyFold) {
                siblingsAt[conflict, default: []].append(other)
            }
        }
        for position in siblingsAt.keys.sorted() {
            let siblings = siblingsAt[position]!
            guard siblings.count + 1 >= configuration.distinctValuesForVariable else { continue }
            return fold([slot] + siblings, fresh: slot)
        }
        return slot
    }

    /// Folds `members` into the oldest of them; returns its slot. The `fresh` member's id was
    /// never handed out, so it does not become an alias.
    private mutating func fold(_ members: [Int32], fresh: Int32) -> Int32 {
        let survivor = members.min { a, b in
            let x = states[Int(a)]
            let y = states[Int(b)]
            return (x.created, x.id) < (y.created, y.id)
        }!
        let target = Int(survivor)
        for member in members where member != survivor {
            let folded = states[Int(member)]
            for position in 0..<folded.tokens.count where states[target].tokens[position] != folded.tokens[position] {
                states[target].tokens[position] = ByteHash.variable
            }
            states[target].count += folded.count
            states[target].lastSeen = max(states[target].lastSeen, folded.lastSeen)
            for alias in (member == fresh ? [] : [folded.id]) + folded.aliases {
                if states[target].aliases.count < configuration.maximumAliases {
                    states[target].aliases.append(alias)
                    aliasOf[alias] = states[target].id
                } else {
                    aliasOf[alias] = nil
                }
            }
            release(member)
        }
        states[target].render()
        return survivor
    }

    private mutating func remember(_ key: UInt64, _ skeleton: UInt64, _ slot: Int32) {
        if shapes.count >= configuration.maximumShapes { shapes.removeAll() }
        if skeletons.count >= configuration.maximumShapes { skeletons.removeAll(keepingCapacity: true) }
        let entry = ShapeEntry(slot: slot, id: states[Int(slot)].id)
        shapes.set(key, UInt64(UInt32(bitPattern: slot)) | UInt64(generations[Int(slot)]) << 32)
        if skeleton != 0, skeletons[skeleton] == nil { skeletons[skeleton] = entry }
    }

    // MARK: - Creation and eviction

    private mutating func create(shape: UInt64, text: UnsafeRawBufferPointer) -> Int32 {
        if liveCount >= configuration.maximumTemplates { evictLeastRecentlySeen() }
        var id = TemplateID(rawValue: shape)
        while slotByID[id] != nil || aliasOf[id] != nil {
            id = TemplateID(rawValue: ByteHash.mix(id.rawValue &+ 1))
        }
        var texts: [[UInt8]] = []
        texts.reserveCapacity(scratch.count)
        for token in scratch {
            var sink = MaskedTextSink()
            Tokenizer.maskedText(text, token, into: &sink)
            texts.append(sink.bytes)
        }
        let state = TemplateState(
            id: id, tokens: scratch.map(\.identity), tokenTexts: texts, count: 1, lastSeen: clock, created: clock)
        return insert(state)
    }

    @discardableResult
    private mutating func insert(_ state: TemplateState) -> Int32 {
        let slot: Int32
        if let free = freeSlots.popLast() {
            slot = free
            states[Int(slot)] = state
        } else {
            slot = Int32(states.count)
            states.append(state)
            generations.append(0)
        }
        slotByID[state.id] = slot
        for alias in state.aliases where alias != state.id && slotByID[alias] == nil { aliasOf[alias] = state.id }
        byLength[state.tokens.count].append(slot)
        liveCount += 1
        return slot
    }

    private mutating func evictLeastRecentlySeen() {
        var victim: Int32 = -1
        var oldest = UInt64.max
        for (index, state) in states.enumerated() where state.isLive && state.lastSeen < oldest {
            oldest = state.lastSeen
            victim = Int32(index)
        }
        guard victim >= 0 else { return }
        for alias in states[Int(victim)].aliases { aliasOf[alias] = nil }
        release(victim)
        evictedCount += 1
    }

    /// Frees a slot (evicted, or folded into another template).
    private mutating func release(_ slot: Int32) {
        let state = states[Int(slot)]
        slotByID[state.id] = nil
        byLength[state.tokens.count].removeAll { $0 == slot }
        states[Int(slot)].isLive = false
        generations[Int(slot)] &+= 1
        states[Int(slot)].tokens = []
        states[Int(slot)].tokenTexts = []
        states[Int(slot)].aliases = []
        freeSlots.append(slot)
        liveCount -= 1
    }

    private func slot(of id: TemplateID) -> Int32? {
        slotByID[canonical(id)]
    }
}
