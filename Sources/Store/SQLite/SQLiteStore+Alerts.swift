import Detect
import SQLiteNIO

extension SQLiteStore {
    /// Keeps the first copy on a repeated `anomaly_id` (see ``VigilStore/insertAlert(_:)``).
    public func insertAlert(_ alert: Alert) async throws {
        try await insertAlert(alert, notifying: [])
    }

    /// The alert and, when it is new, its outbox rows, in one transaction.
    public func insertAlert(_ alert: Alert, notifying entries: [OutboxEntry]) async throws {
        try await exclusively("insertAlert") {
            let stored = try StoredAlert(alert)
            try await transaction(if: !entries.isEmpty) {
                let inserted = try await connection.query(
                    """
                    INSERT INTO alerts (
                        anomaly_id, detected_at, severity, category, affected_services, description,
                        current_error_rate, current_volume, current_service_count,
                        baseline_error_rate, baseline_volume, baseline_service_count,
                        multiplier, anomalies, sample_messages, samples,
                        root_cause, impact, recommended_actions, confidence, analysis_source,
                        analysis_error, analysis_model, analysis_input_tokens, analysis_output_tokens, analysis_latency_ms,
                        scope, window_seconds, incident_id, resolved_at
                    ) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (anomaly_id) DO NOTHING
                    RETURNING anomaly_id
                    """,
                    [
                        .text(alert.anomalyID),
                        .int64(alert.detectedAt),
                        .text(alert.severity.rawValue),
                        .text(alert.category.rawValue),
                        .text(stored.affectedServicesJSON),
                        .text(alert.description),
                        .float(alert.current.errorRate),
                        .float(alert.current.volume),
                        .float(alert.current.serviceCount),
                        .float(alert.baseline.errorRate),
                        .float(alert.baseline.volume),
                        .float(alert.baseline.serviceCount),
                        .optional(alert.multiplier),
                        .text(stored.anomaliesJSON),
                        .text(stored.sampleMessagesJSON),
                        .text(stored.samplesJSON),
                        .optional(alert.rootCause),
                        .optional(alert.impact),
                        .text(stored.recommendedActionsJSON),
                        .optional(alert.confidence),
                        .text(alert.analysisSource),
                        .optional(alert.analysisError),
                        .optional(alert.analysisModel),
                        .optional(alert.analysisInputTokens.map(Int64.init)),
                        .optional(alert.analysisOutputTokens.map(Int64.init)),
                        .optional(alert.analysisLatencyMilliseconds.map(Int64.init)),
                        .text(stored.scopeKey),
                        .int64(alert.windowSeconds),
                        .optional(alert.incidentID),
                        .optional(alert.resolvedAt),
                    ]
                )
                if !inserted.isEmpty { try await enqueueOutbox(entries, anomalyID: alert.anomalyID) }
            }
        }
    }

    public func updateAnalysis(anomalyID: String, _ analysis: AlertAnalysis) async throws {
        try await updateAnalysis(anomalyID: anomalyID, analysis, notifying: [])
    }

    /// The analysis and its outbox rows, in one transaction (nothing is written for an unknown alert).
    public func updateAnalysis(anomalyID: String, _ analysis: AlertAnalysis, notifying entries: [OutboxEntry]) async throws {
        try await exclusively("updateAnalysis") {
            try await transaction(if: !entries.isEmpty) {
                let updated = try await connection.query(
                    """
                    UPDATE alerts
                    SET root_cause = ?, impact = ?, recommended_actions = ?, confidence = ?, analysis_source = ?,
                        analysis_error = ?, analysis_model = ?, analysis_input_tokens = ?, analysis_output_tokens = ?,
                        analysis_latency_ms = ?
                    WHERE anomaly_id = ?
                    RETURNING anomaly_id
                    """,
                    [
                        .optional(analysis.rootCause),
                        .optional(analysis.impact),
                        .text(try StoredJSON.encode(analysis.recommendedActions)),
                        .optional(analysis.confidence),
                        .text(analysis.source),
                        .optional(analysis.error),
                        .optional(analysis.model),
                        .optional(analysis.inputTokens.map(Int64.init)),
                        .optional(analysis.outputTokens.map(Int64.init)),
                        .optional(analysis.latencyMilliseconds.map(Int64.init)),
                        .text(anomalyID),
                    ]
                )
                guard !updated.isEmpty else { throw StoreError.alertNotFound(anomalyID: anomalyID) }
                try await enqueueOutbox(entries, anomalyID: anomalyID)
            }
        }
    }

    /// Ties on `detected_at` go to the later insert (`rowid`), so alerts of one tick keep the
    /// order they were raised in, reversed.
    public func recentAlerts(limit: Int) async throws -> [Alert] {
        guard limit > 0 else { return [] }
        return try await exclusively("recentAlerts") {
            let rows = try await connection.query(
                "SELECT * FROM alerts ORDER BY detected_at DESC, rowid DESC LIMIT ?",
                [.integer(SQLiteInt64(limit))]
            )
            return try rows.map { row throws(StoreError) in try StoredAlert.alert(from: SQLiteRowReader(row, table: "alerts")) }
        }
    }
}
