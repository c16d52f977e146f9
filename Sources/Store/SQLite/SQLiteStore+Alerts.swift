import Detect
import SQLiteNIO

extension SQLiteStore {
    /// Keeps the first copy on a repeated `anomaly_id` (see ``VigilStore/insertAlert(_:)``).
    public func insertAlert(_ alert: Alert) async throws {
        try await exclusively("insertAlert") {
            _ = try await connection.query(
                """
                INSERT INTO alerts (
                    anomaly_id, detected_at, severity, category, affected_services, description,
                    current_error_rate, current_volume, current_service_count,
                    baseline_error_rate, baseline_volume, baseline_service_count,
                    multiplier, anomalies, sample_messages,
                    root_cause, impact, recommended_actions, confidence, analysis_source
                ) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (anomaly_id) DO NOTHING
                """,
                [
                    .text(alert.anomalyID),
                    .int64(alert.detectedAt),
                    .text(alert.severity.rawValue),
                    .text(alert.category.rawValue),
                    .text(try StoredJSON.encode(alert.affectedServices)),
                    .text(alert.description),
                    .float(alert.current.errorRate),
                    .float(alert.current.volume),
                    .float(alert.current.serviceCount),
                    .float(alert.baseline.errorRate),
                    .float(alert.baseline.volume),
                    .float(alert.baseline.serviceCount),
                    .optional(alert.multiplier),
                    .text(try StoredJSON.encode(alert.anomalies.map(AnomalyRecord.init))),
                    .text(try StoredJSON.encode(alert.sampleMessages)),
                    .optional(alert.rootCause),
                    .optional(alert.impact),
                    .text(try StoredJSON.encode(alert.recommendedActions)),
                    .optional(alert.confidence),
                    .text(alert.analysisSource),
                ]
            )
        }
    }

    public func updateAnalysis(
        anomalyID: String,
        rootCause: String?,
        impact: String?,
        recommendedActions: [String],
        confidence: Double?,
        source: String
    ) async throws {
        try await exclusively("updateAnalysis") {
            let updated = try await connection.query(
                """
                UPDATE alerts
                SET root_cause = ?, impact = ?, recommended_actions = ?, confidence = ?, analysis_source = ?
                WHERE anomaly_id = ?
                RETURNING anomaly_id
                """,
                [
                    .optional(rootCause),
                    .optional(impact),
                    .text(try StoredJSON.encode(recommendedActions)),
                    .optional(confidence),
                    .text(source),
                    .text(anomalyID),
                ]
            )
            guard !updated.isEmpty else { throw StoreError.alertNotFound(anomalyID: anomalyID) }
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
            return try rows.map(Self.alert(from:))
        }
    }

    private static func alert(from row: SQLiteRow) throws(StoreError) -> Alert {
        var reader = SQLiteRowReader(row, table: "alerts")
        reader.key = try reader.string("anomaly_id")
        guard let severity = AlertSeverity(rawValue: try reader.string("severity")) else {
            throw reader.failure("severity", "unknown severity")
        }
        guard let category = AnomalyCategory(rawValue: try reader.string("category")) else {
            throw reader.failure("category", "unknown category")
        }
        var anomalies: [Anomaly] = []
        for record in try reader.json("anomalies", as: [AnomalyRecord].self) {
            guard let anomaly = record.anomaly else { throw reader.failure("anomalies", "unknown category, severity or scope") }
            anomalies.append(anomaly)
        }
        return Alert(
            anomalyID: reader.key,
            detectedAt: try reader.int64("detected_at"),
            severity: severity,
            category: category,
            affectedServices: try reader.json("affected_services", as: [String].self),
            description: try reader.string("description"),
            current: ScopeMetrics(
                errorRate: try reader.double("current_error_rate"),
                volume: try reader.double("current_volume"),
                serviceCount: try reader.double("current_service_count")
            ),
            baseline: ScopeMetrics(
                errorRate: try reader.double("baseline_error_rate"),
                volume: try reader.double("baseline_volume"),
                serviceCount: try reader.double("baseline_service_count")
            ),
            multiplier: try reader.optionalDouble("multiplier"),
            anomalies: anomalies,
            sampleMessages: try reader.json("sample_messages", as: [String].self),
            rootCause: try reader.optionalString("root_cause"),
            impact: try reader.optionalString("impact"),
            recommendedActions: try reader.json("recommended_actions", as: [String].self),
            confidence: try reader.optionalDouble("confidence"),
            analysisSource: try reader.string("analysis_source")
        )
    }
}
