import Detect
import PostgresNIO

extension PostgresStore {
    public func loadTemplates() async throws -> [PersistentTemplate] {
        try await perform("loadTemplates") {
            let rows = try await client.query(
                """
                SELECT service, template_id, text, count, first_seen, last_seen, severity, example, aliases
                FROM templates ORDER BY service, template_id
                """,
                logger: logger
            ).collect()
            return try rows.map { row throws(StoreError) in
                try PersistentTemplate.stored(from: PostgresRowReader(row, table: "templates"))
            }
        }
    }

    public func saveTemplates(_ templates: [PersistentTemplate]) async throws {
        guard !templates.isEmpty else { return }
        try await perform("saveTemplates") {
            try await transaction { connection in
                for template in templates {
                    let aliases = try template.storedAliases()
                    try await connection.query(
                        """
                        INSERT INTO templates (service, template_id, text, count, first_seen, last_seen, severity, example, aliases)
                        VALUES (\(template.service), \(template.storedID), \(template.text), \(Int64(template.count)),
                                \(template.firstSeen), \(template.lastSeen), \(Int64(template.severity)), \(template.example), \(aliases))
                        ON CONFLICT (service, template_id) DO UPDATE SET
                            text = excluded.text,
                            count = excluded.count,
                            first_seen = LEAST(templates.first_seen, excluded.first_seen),
                            last_seen = GREATEST(templates.last_seen, excluded.last_seen),
                            severity = LEAST(templates.severity, excluded.severity),
                            example = excluded.example,
                            aliases = excluded.aliases
                        """,
                        logger: logger
                    )
                }
            }
        }
    }
}
