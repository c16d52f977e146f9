/// A template as the miner knows it: what persistence stores and what `restoring:` reads back.
public struct MinedTemplate: Sendable, Hashable {
    public var id: TemplateID
    /// The masked message with `<*>` for every variable token, tokens separated by one space.
    public var text: String
    /// Messages assigned to it (since it was created, or as restored).
    public var count: Int
    /// Ids of templates that were folded into this one; messages that got them belong here now.
    public var aliases: [TemplateID]

    public init(id: TemplateID, text: String, count: Int, aliases: [TemplateID] = []) {
        self.id = id
        self.text = text
        self.count = count
        self.aliases = aliases
    }
}
