import Detect
import Patterns

extension PersistentTemplate {
    /// The templates table's columns, read the same way by every backend.
    static func stored(from row: some StoredRowReader) throws(StoreError) -> PersistentTemplate {
        var reader = row
        let service = try reader.string("service")
        let hex = try reader.string("template_id")
        reader.key = service + "/" + hex
        guard let id = TemplateID(hex)?.rawValue else { throw reader.failure("template_id", "expected 16 hex digits") }
        return PersistentTemplate(
            service: service,
            id: id,
            text: try reader.string("text"),
            count: Int(try reader.int64("count")),
            firstSeen: try reader.int64("first_seen"),
            lastSeen: try reader.int64("last_seen"),
            severity: Int(try reader.int64("severity")),
            example: try reader.string("example"),
            aliases: try reader.json("aliases", as: [String].self).compactMap { TemplateID($0)?.rawValue }
        )
    }

    /// The id as stored: 16 lowercase hex digits, as `vigil templates` and alerts print it.
    var storedID: String { TemplateID(rawValue: id).description }

    /// The aliases as a JSON list of ids in the same form.
    func storedAliases() throws -> String { try StoredJSON.encode(aliases.map { TemplateID(rawValue: $0).description }) }
}
