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
        // The notification outbox (see OutboxStore): one row per (alert, event, target), written in
        // the alert's or the analysis' transaction; times in milliseconds since the epoch. The
        // unique key makes enqueueing idempotent and serves the per-(alert, target) ordering check.
        SchemaMigration(
            version: 4,
            statements: [
                """
                CREATE TABLE notification_outbox (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    anomaly_id TEXT NOT NULL,
                    event TEXT NOT NULL,
                    target_kind TEXT NOT NULL,
                    target_url TEXT NOT NULL,
                    status TEXT NOT NULL DEFAULT 'pending',
                    attempts INTEGER NOT NULL DEFAULT 0,
                    created_at INTEGER NOT NULL,
                    next_attempt_at INTEGER NOT NULL,
                    lease_owner TEXT,
                    lease_until INTEGER,
                    last_attempt_at INTEGER,
                    last_status INTEGER,
                    last_error TEXT,
                    finished_at INTEGER,
                    UNIQUE (anomaly_id, event, target_kind, target_url)
                )
                """,
                "CREATE INDEX notification_outbox_due ON notification_outbox (status, next_attempt_at)",
            ]
        ),
        // Issue 12: cooldowns per category *and scope* (existing rows were per category: they
        // become the overall scope's); each alert's scope, window, incident and resolution; incidents.
        // Rows written before keep scope "overall" and window_seconds 0 (unknown).
        SchemaMigration(
            version: 5,
            statements: [
                """
                CREATE TABLE cooldowns_by_scope (
                    category TEXT NOT NULL,
                    scope TEXT NOT NULL,
                    last_alert_at INTEGER NOT NULL,
                    PRIMARY KEY (category, scope)
                )
                """,
                "INSERT INTO cooldowns_by_scope (category, scope, last_alert_at) SELECT category, 'overall', last_alert_at FROM cooldowns",
                "DROP TABLE cooldowns",
                "ALTER TABLE cooldowns_by_scope RENAME TO cooldowns",
                "ALTER TABLE alerts ADD COLUMN scope TEXT NOT NULL DEFAULT 'overall'",
                "ALTER TABLE alerts ADD COLUMN window_seconds INTEGER NOT NULL DEFAULT 0",
                "ALTER TABLE alerts ADD COLUMN incident_id TEXT",
                "ALTER TABLE alerts ADD COLUMN resolved_at INTEGER",
                "CREATE INDEX alerts_incident ON alerts (incident_id)",
                "CREATE INDEX alerts_unresolved ON alerts (category, scope) WHERE resolved_at IS NULL",
                """
                CREATE TABLE incidents (
                    incident_id TEXT PRIMARY KEY,
                    opened_at INTEGER NOT NULL,
                    last_alert_at INTEGER NOT NULL,
                    resolved_at INTEGER
                )
                """,
                "CREATE INDEX incidents_opened_at ON incidents (opened_at DESC)",
                "CREATE INDEX incidents_last_alert_at ON incidents (last_alert_at DESC)",
            ]
        ),
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
