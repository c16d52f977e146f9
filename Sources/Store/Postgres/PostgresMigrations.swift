/// The PostgreSQL schema (see ``SchemaMigration``): the same tables, keys and versions as
/// ``SchemaMigration/sqlite``, in PostgreSQL types. JSON columns hold the same text as SQLite's
/// (``StoredJSON``), so a value reads back byte for byte; `seq` gives `recentAlerts` the insert
/// order SQLite gets from `rowid`.
extension SchemaMigration {
    static let postgres: [SchemaMigration] = [
        SchemaMigration(
            version: 1,
            statements: [
                """
                CREATE TABLE baselines (
                    scope TEXT NOT NULL,
                    window_seconds BIGINT NOT NULL,
                    error_rate DOUBLE PRECISION NOT NULL,
                    volume DOUBLE PRECISION NOT NULL,
                    service_count DOUBLE PRECISION NOT NULL,
                    windows_observed BIGINT NOT NULL,
                    last_window_end BIGINT,
                    PRIMARY KEY (scope, window_seconds)
                )
                """,
                """
                CREATE TABLE cooldowns (
                    category TEXT PRIMARY KEY,
                    last_alert_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE alerts (
                    anomaly_id TEXT PRIMARY KEY,
                    seq BIGSERIAL NOT NULL,
                    detected_at BIGINT NOT NULL,
                    severity TEXT NOT NULL,
                    category TEXT NOT NULL,
                    affected_services TEXT NOT NULL,
                    description TEXT NOT NULL,
                    current_error_rate DOUBLE PRECISION NOT NULL,
                    current_volume DOUBLE PRECISION NOT NULL,
                    current_service_count DOUBLE PRECISION NOT NULL,
                    baseline_error_rate DOUBLE PRECISION NOT NULL,
                    baseline_volume DOUBLE PRECISION NOT NULL,
                    baseline_service_count DOUBLE PRECISION NOT NULL,
                    multiplier DOUBLE PRECISION,
                    anomalies TEXT NOT NULL,
                    sample_messages TEXT NOT NULL,
                    root_cause TEXT,
                    impact TEXT,
                    recommended_actions TEXT NOT NULL,
                    confidence DOUBLE PRECISION,
                    analysis_source TEXT NOT NULL
                )
                """,
                "CREATE INDEX alerts_detected_at ON alerts (detected_at DESC, seq DESC)",
            ]
        ),
        SchemaMigration(
            version: 2,
            statements: [
                "ALTER TABLE alerts ADD COLUMN analysis_error TEXT",
                "ALTER TABLE alerts ADD COLUMN analysis_model TEXT",
                "ALTER TABLE alerts ADD COLUMN analysis_input_tokens BIGINT",
                "ALTER TABLE alerts ADD COLUMN analysis_output_tokens BIGINT",
                "ALTER TABLE alerts ADD COLUMN analysis_latency_ms BIGINT",
            ]
        ),
        SchemaMigration(
            version: 3,
            statements: [
                """
                CREATE TABLE templates (
                    service TEXT NOT NULL,
                    template_id TEXT NOT NULL,
                    text TEXT NOT NULL,
                    count BIGINT NOT NULL,
                    first_seen BIGINT NOT NULL,
                    last_seen BIGINT NOT NULL,
                    severity BIGINT NOT NULL,
                    example TEXT NOT NULL,
                    aliases TEXT NOT NULL DEFAULT '[]',
                    PRIMARY KEY (service, template_id)
                )
                """,
                "ALTER TABLE alerts ADD COLUMN samples TEXT NOT NULL DEFAULT '[]'",
            ]
        ),
        SchemaMigration(
            version: 4,
            statements: [
                """
                CREATE TABLE notification_outbox (
                    id BIGSERIAL PRIMARY KEY,
                    anomaly_id TEXT NOT NULL,
                    event TEXT NOT NULL,
                    target_kind TEXT NOT NULL,
                    target_url TEXT NOT NULL,
                    status TEXT NOT NULL DEFAULT 'pending',
                    attempts BIGINT NOT NULL DEFAULT 0,
                    created_at BIGINT NOT NULL,
                    next_attempt_at BIGINT NOT NULL,
                    lease_owner TEXT,
                    lease_until BIGINT,
                    last_attempt_at BIGINT,
                    last_status BIGINT,
                    last_error TEXT,
                    finished_at BIGINT,
                    UNIQUE (anomaly_id, event, target_kind, target_url)
                )
                """,
                "CREATE INDEX notification_outbox_due ON notification_outbox (status, next_attempt_at)",
            ]
        ),
        SchemaMigration(
            version: 5,
            statements: [
                """
                CREATE TABLE cooldowns_by_scope (
                    category TEXT NOT NULL,
                    scope TEXT NOT NULL,
                    last_alert_at BIGINT NOT NULL,
                    PRIMARY KEY (category, scope)
                )
                """,
                "INSERT INTO cooldowns_by_scope (category, scope, last_alert_at) SELECT category, 'overall', last_alert_at FROM cooldowns",
                "DROP TABLE cooldowns",
                "ALTER TABLE cooldowns_by_scope RENAME TO cooldowns",
                "ALTER TABLE alerts ADD COLUMN scope TEXT NOT NULL DEFAULT 'overall'",
                "ALTER TABLE alerts ADD COLUMN window_seconds BIGINT NOT NULL DEFAULT 0",
                "ALTER TABLE alerts ADD COLUMN incident_id TEXT",
                "ALTER TABLE alerts ADD COLUMN resolved_at BIGINT",
                "CREATE INDEX alerts_incident ON alerts (incident_id)",
                "CREATE INDEX alerts_unresolved ON alerts (category, scope) WHERE resolved_at IS NULL",
                """
                CREATE TABLE incidents (
                    incident_id TEXT PRIMARY KEY,
                    opened_at BIGINT NOT NULL,
                    last_alert_at BIGINT NOT NULL,
                    resolved_at BIGINT
                )
                """,
                "CREATE INDEX incidents_opened_at ON incidents (opened_at DESC)",
                "CREATE INDEX incidents_last_alert_at ON incidents (last_alert_at DESC)",
            ]
        ),
        SchemaMigration(
            version: 6,
            statements: [
                """
                CREATE TABLE history_scopes (
                    id INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                    scope TEXT NOT NULL UNIQUE
                )
                """,
                """
                CREATE TABLE history (
                    scope_id INTEGER NOT NULL,
                    minute_start BIGINT NOT NULL,
                    emergency INTEGER NOT NULL,
                    alert INTEGER NOT NULL,
                    critical INTEGER NOT NULL,
                    error INTEGER NOT NULL,
                    warning INTEGER NOT NULL,
                    notice INTEGER NOT NULL,
                    info INTEGER NOT NULL,
                    debug INTEGER NOT NULL,
                    baseline_volume DOUBLE PRECISION,
                    baseline_error_rate DOUBLE PRECISION,
                    PRIMARY KEY (scope_id, minute_start)
                )
                """,
            ]
        ),
        // Issue 13, the cluster (several `vigil serve` on this database; SQLite has no cluster).
        // See Sources/Cluster: members and their heartbeats, one row of counts per instance and
        // tick (services and template counts as parallel arrays), templates as instances announced them.
        // The counts are UNLOGGED: they are the bulk of the cluster's writes and worth minutes.
        // Without WAL for them a tick writes a quarter of the WAL (benchmarks/cluster: 74 against
        // 297 KiB per tick with 4 instances × 10 k services); a crash of the server (not a clean
        // restart) empties the table, which costs the leader one window before it judges again.
        SchemaMigration(
            version: 7,
            statements: [
                """
                CREATE TABLE cluster_members (
                    instance TEXT PRIMARY KEY,
                    started_at BIGINT NOT NULL,
                    last_flush BIGINT NOT NULL,
                    last_tick BIGINT NOT NULL,
                    lag_ms BIGINT NOT NULL,
                    tick_seconds BIGINT NOT NULL,
                    address TEXT NOT NULL DEFAULT '',
                    left_at BIGINT
                )
                """,
                """
                CREATE UNLOGGED TABLE cluster_counts (
                    tick BIGINT NOT NULL,
                    instance TEXT NOT NULL,
                    flushed_at BIGINT NOT NULL,
                    services TEXT[] NOT NULL,
                    c0 INTEGER[] NOT NULL, c1 INTEGER[] NOT NULL, c2 INTEGER[] NOT NULL, c3 INTEGER[] NOT NULL,
                    c4 INTEGER[] NOT NULL, c5 INTEGER[] NOT NULL, c6 INTEGER[] NOT NULL, c7 INTEGER[] NOT NULL,
                    template_services TEXT[] NOT NULL,
                    template_ids BIGINT[] NOT NULL,
                    template_counts INTEGER[] NOT NULL,
                    template_severities SMALLINT[] NOT NULL,
                    PRIMARY KEY (tick, instance)
                )
                """,
                """
                CREATE TABLE cluster_template_defs (
                    seq BIGSERIAL PRIMARY KEY,
                    service TEXT NOT NULL,
                    template_id BIGINT NOT NULL,
                    text TEXT NOT NULL,
                    example TEXT NOT NULL,
                    severity SMALLINT NOT NULL,
                    first_seen BIGINT NOT NULL,
                    instance TEXT NOT NULL,
                    created_at BIGINT NOT NULL DEFAULT (EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT,
                    UNIQUE (service, template_id, instance)
                )
                """,
            ]
        ),
    ]
}
