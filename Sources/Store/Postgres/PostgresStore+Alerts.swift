import Detect
import PostgresNIO

extension PostgresStore {
    /// Keeps the first copy on a repeated `anomaly_id` (see ``VigilStore/insertAlert(_:)``).
    public func insertAlert(_ alert: Alert) async throws {
        try await insertAlert(alert, notifying: [])
    }

    /// The alert and, when it is new, its outbox rows, in one transaction.
    public func insertAlert(_ alert: Alert, notifying entries: [OutboxEntry]) async throws {
        try await perform("insertAlert") {
            let stored = try StoredAlert(alert)
            try await transaction(if: !entries.isEmpty) { connection in
                // Values in `StoredAlert.columns` order.
                let inserted = try await connection.query(
                    """
                    INSERT INTO alerts (\(unescaped: StoredAlert.columns.joined(separator: ", ")))
                    VALUES (
                        \(alert.anomalyID), \(alert.detectedAt), \(alert.severity.rawValue), \(alert.category.rawValue),
                        \(stored.affectedServicesJSON), \(alert.description),
                        \(alert.current.errorRate), \(alert.current.volume), \(alert.current.serviceCount),
                        \(alert.baseline.errorRate), \(alert.baseline.volume), \(alert.baseline.serviceCount),
                        \(alert.multiplier), \(stored.anomaliesJSON), \(stored.sampleMessagesJSON), \(stored.samplesJSON),
                        \(alert.rootCause), \(alert.impact), \(stored.recommendedActionsJSON), \(alert.confidence),
                        \(alert.analysisSource),
                        \(alert.analysisError), \(alert.analysisModel), \(alert.analysisInputTokens.map(Int64.init)),
                        \(alert.analysisOutputTokens.map(Int64.init)), \(alert.analysisLatencyMilliseconds.map(Int64.init)),
                        \(stored.scopeKey), \(alert.windowSeconds), \(alert.incidentID), \(alert.resolvedAt)
                    )
                    ON CONFLICT (anomaly_id) DO NOTHING
                    RETURNING anomaly_id
                    """,
                    logger: logger
                ).collect()
                if !inserted.isEmpty { try await enqueueOutbox(entries, anomalyID: alert.anomalyID, on: connection) }
            }
        }
    }

    public func updateAnalysis(anomalyID: String, _ analysis: AlertAnalysis) async throws {
        try await updateAnalysis(anomalyID: anomalyID, analysis, notifying: [])
    }

    /// The analysis and its outbox rows, in one transaction (nothing is written for an unknown alert).
    public func updateAnalysis(anomalyID: String, _ analysis: AlertAnalysis, notifying entries: [OutboxEntry]) async throws {
        try await perform("updateAnalysis") {
            let actions = try StoredJSON.encode(analysis.recommendedActions)
            try await transaction(if: !entries.isEmpty) { connection in
                let updated = try await connection.query(
                    """
                    UPDATE alerts
                    SET root_cause = \(analysis.rootCause), impact = \(analysis.impact), recommended_actions = \(actions),
                        confidence = \(analysis.confidence), analysis_source = \(analysis.source),
                        analysis_error = \(analysis.error), analysis_model = \(analysis.model),
                        analysis_input_tokens = \(analysis.inputTokens.map(Int64.init)),
                        analysis_output_tokens = \(analysis.outputTokens.map(Int64.init)),
                        analysis_latency_ms = \(analysis.latencyMilliseconds.map(Int64.init))
                    WHERE anomaly_id = \(anomalyID)
                    RETURNING anomaly_id
                    """,
                    logger: logger
                ).collect()
                guard !updated.isEmpty else { throw StoreError.alertNotFound(anomalyID: anomalyID) }
                try await enqueueOutbox(entries, anomalyID: anomalyID, on: connection)
            }
        }
    }

    /// Ties on `detected_at` go to the later insert (`seq`, a `BIGSERIAL`), as SQLite's `rowid`.
    public func recentAlerts(limit: Int) async throws -> [Alert] {
        guard limit > 0 else { return [] }
        return try await perform("recentAlerts") {
            let rows = try await client.query(
                "SELECT * FROM alerts ORDER BY detected_at DESC, seq DESC LIMIT \(Int64(limit))",
                logger: logger
            ).collect()
            return try rows.map { row throws(StoreError) in try StoredAlert.alert(from: PostgresRowReader(row, table: "alerts")) }
        }
    }
}
