import Detect
import SQLiteNIO

extension SQLiteStore {
    public func loadTemplates() async throws -> [PersistentTemplate] {
        try await exclusively("loadTemplates") {
            let rows = try await connection.query(
                """
                SELECT service, template_id, text, count, first_seen, last_seen, severity, example, aliases
                FROM templates ORDER BY service, template_id
                """
            )
            return try rows.map { row throws(StoreError) in
                try PersistentTemplate.stored(from: SQLiteRowReader(row, table: "templates"))
            }
        }
    }

    public func saveTemplates(_ templates: [PersistentTemplate]) async throws {
        guard !templates.isEmpty else { return }
        try await exclusively("saveTemplates") {
            try await transaction {
                for template in templates {
                    _ = try await connection.query(
                        """
                        INSERT INTO templates (service, template_id, text, count, first_seen, last_seen, severity, example, aliases)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (service, template_id) DO UPDATE SET
                            text = excluded.text,
                            count = excluded.count,
                            first_seen = MIN(templates.first_seen, excluded.first_seen),
                            last_seen = MAX(templates.last_seen, excluded.last_seen),
                            severity = MIN(templates.severity, excluded.severity),
                            example = excluded.example,
                            aliases = excluded.aliases
                        """,
                        [
                            .text(template.service), .text(template.storedID), .text(template.text),
                            .int64(Int64(template.count)), .int64(template.firstSeen), .int64(template.lastSeen),
                            .int64(Int64(template.severity)), .text(template.example), .text(try template.storedAliases()),
                        ]
                    )
                }
            }
        }
    }
}
