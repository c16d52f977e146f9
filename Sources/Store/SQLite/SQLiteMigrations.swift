/// The SQLite schema (see ``SchemaMigration``).
extension SchemaMigration {
    static let sqlite: [SchemaMigration] = [
        SchemaMigration(
            version: 1,
            statements: [
                // EMA baselines per (scope, window size); scope is "overall" or "service:NAME".
                """
                CREATE TABLE baselines (
                    scope TEXT NOT NULL,
                    window_seconds INTEGER NOT NULL,
                    error_rate REAL NOT NULL,
                    volume REAL NOT NULL,
                    service_count REAL NOT NULL,
                    windows_observed INTEGER NOT NULL,
                    last_window_end INTEGER,
                    PRIMARY KEY (scope, window_seconds)
                )
                """,
                // Last admitted alert time (seconds since the epoch) per category.
                """
                CREATE TABLE cooldowns (
                    category TEXT PRIMARY KEY,
                    last_alert_at INTEGER NOT NULL
                )
                """,
                // Lists are JSON text; metrics are columns so they can be queried.
                """
                CREATE TABLE alerts (
                    anomaly_id TEXT PRIMARY KEY,
                    detected_at INTEGER NOT NULL,
                    severity TEXT NOT NULL,
                    category TEXT NOT NULL,
                    affected_services TEXT NOT NULL,
                    description TEXT NOT NULL,
                    current_error_rate REAL NOT NULL,
                    current_volume REAL NOT NULL,
                    current_service_count REAL NOT NULL,
                    baseline_error_rate REAL NOT NULL,
                    baseline_volume REAL NOT NULL,
                    baseline_service_count REAL NOT NULL,
                    multiplier REAL,
                    anomalies TEXT NOT NULL,
                    sample_messages TEXT NOT NULL,
                    root_cause TEXT,
                    impact TEXT,
                    recommended_actions TEXT NOT NULL,
                    confidence REAL,
                    analysis_source TEXT NOT NULL
                )
                """,
                "CREATE INDEX alerts_detected_at ON alerts (detected_at DESC)",
            ]
        ),
        // The analysis' provenance (see AlertAnalysis); additive, so version-1 rows read back
        // with nulls.
        SchemaMigration(
            version: 2,
            statements: [
                "ALTER TABLE alerts ADD COLUMN analysis_error TEXT",
                "ALTER TABLE alerts ADD COLUMN analysis_model TEXT",
                "ALTER TABLE alerts ADD COLUMN analysis_input_tokens INTEGER",
                "ALTER TABLE alerts ADD COLUMN analysis_output_tokens INTEGER",
                "ALTER TABLE alerts ADD COLUMN analysis_latency_ms INTEGER",
            ]
        ),
        // Message templates per service (stable ids across restarts) and each alert's top templates.
        SchemaMigration(
            version: 3,
            statements: [
                """
                CREATE TABLE templates (
                    service TEXT NOT NULL,
                    template_id TEXT NOT NULL,
                    text TEXT NOT NULL,
                    count INTEGER NOT NULL,
                    first_seen INTEGER NOT NULL,
                    last_seen INTEGER NOT NULL,
                    severity INTEGER NOT NULL,
                    example TEXT NOT NULL,
                    aliases TEXT NOT NULL DEFAULT '[]',
                    PRIMARY KEY (service, template_id)
                )
                """,
                "ALTER TABLE alerts ADD COLUMN samples TEXT NOT NULL DEFAULT '[]'",
            ]
        ),
        // Version 4 (issue 11, the notification outbox) and 5 (issue 12, incidents) are other
        // branches'; the history is version 6.
        // Per-minute history (see HistoryMinute): scopes get a small integer id once, so a row is
        // about 40 bytes (WITHOUT ROWID: the primary key is the table) — 10,000 services × 7 days
        // of minutes is a size to care about (README: History).
        SchemaMigration(
            version: 6,
            statements: [
                """
                CREATE TABLE history_scopes (
                    id INTEGER PRIMARY KEY,
                    scope TEXT NOT NULL UNIQUE
                )
                """,
                """
                CREATE TABLE history (
                    scope_id INTEGER NOT NULL,
                    minute_start INTEGER NOT NULL,
                    emergency INTEGER NOT NULL,
                    alert INTEGER NOT NULL,
                    critical INTEGER NOT NULL,
                    error INTEGER NOT NULL,
                    warning INTEGER NOT NULL,
                    notice INTEGER NOT NULL,
                    info INTEGER NOT NULL,
                    debug INTEGER NOT NULL,
                    baseline_volume REAL,
                    baseline_error_rate REAL,
                    PRIMARY KEY (scope_id, minute_start)
                ) WITHOUT ROWID
                """,
            ]
        ),
    ]
}
