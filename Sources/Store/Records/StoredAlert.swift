import Detect

/// An ``Alert`` as the alerts table holds it — the same columns and the same JSON text in every
/// backend. Inserts bind these values (in ``columns`` order); reads go through ``alert(from:)``.
struct StoredAlert {
    /// The alerts table's columns in insert order (the backends add only their own ordering key).
    static let columns = [
        "anomaly_id", "detected_at", "severity", "category", "affected_services", "description",
        "current_error_rate", "current_volume", "current_service_count",
        "baseline_error_rate", "baseline_volume", "baseline_service_count",
        "multiplier", "anomalies", "sample_messages", "samples",
        "root_cause", "impact", "recommended_actions", "confidence", "analysis_source",
        "analysis_error", "analysis_model", "analysis_input_tokens", "analysis_output_tokens", "analysis_latency_ms",
        "scope", "window_seconds", "incident_id", "resolved_at",
    ]

    var alert: Alert
    var affectedServicesJSON: String
    var anomaliesJSON: String
    var sampleMessagesJSON: String
    var samplesJSON: String
    var recommendedActionsJSON: String
    var scopeKey: String

    init(_ alert: Alert) throws {
        self.alert = alert
        affectedServicesJSON = try StoredJSON.encode(alert.affectedServices)
        anomaliesJSON = try StoredJSON.encode(alert.anomalies.map(AnomalyRecord.init))
        sampleMessagesJSON = try StoredJSON.encode(alert.sampleMessages)
        samplesJSON = try StoredJSON.encode(alert.samples.map(TemplateSampleRecord.init))
        recommendedActionsJSON = try StoredJSON.encode(alert.recommendedActions)
        scopeKey = alert.scope.storageKey
    }

    static func alert(from row: some StoredRowReader) throws(StoreError) -> Alert {
        var reader = row
        reader.key = try reader.string("anomaly_id")
        guard let severity = AlertSeverity(rawValue: try reader.string("severity")) else {
            throw reader.failure("severity", "unknown severity")
        }
        guard let category = AnomalyCategory(rawValue: try reader.string("category")) else {
            throw reader.failure("category", "unknown category")
        }
        guard let scope = Scope(storageKey: try reader.string("scope")) else {
            throw reader.failure("scope", "expected \"overall\" or \"service:NAME\"")
        }
        var anomalies: [Anomaly] = []
        for record in try reader.json("anomalies", as: [AnomalyRecord].self) {
            guard let anomaly = record.anomaly else { throw reader.failure("anomalies", "unknown category, severity or scope") }
            anomalies.append(anomaly)
        }
        var alert = Alert(
            anomalyID: reader.key,
            detectedAt: try reader.int64("detected_at"),
            severity: severity,
            category: category,
            scope: scope,
            windowSeconds: try reader.int64("window_seconds"),
            incidentID: try reader.optionalString("incident_id"),
            resolvedAt: try reader.optionalInt64("resolved_at"),
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
            analysisSource: try reader.string("analysis_source"),
            analysisError: try reader.optionalString("analysis_error"),
            analysisModel: try reader.optionalString("analysis_model"),
            analysisInputTokens: try reader.optionalInt64("analysis_input_tokens").map { Int(clamping: $0) },
            analysisOutputTokens: try reader.optionalInt64("analysis_output_tokens").map { Int(clamping: $0) },
            analysisLatencyMilliseconds: try reader.optionalInt64("analysis_latency_ms").map { Int(clamping: $0) }
        )
        alert.samples = try reader.json("samples", as: [TemplateSampleRecord].self).map(\.sample)
        return alert
    }
}

extension Baseline {
    /// The baselines table's columns, read the same way by every backend.
    static func stored(from row: some StoredRowReader) throws(StoreError) -> Baseline {
        var reader = row
        let key = try reader.string("scope")
        reader.key = key
        guard let scope = Scope(storageKey: key) else {
            throw reader.failure("scope", "expected \"overall\" or \"service:NAME\"")
        }
        return Baseline(
            scope: scope,
            windowSeconds: try reader.int64("window_seconds"),
            errorRate: try reader.double("error_rate"),
            volume: try reader.double("volume"),
            serviceCount: try reader.double("service_count"),
            windowsObserved: Int(try reader.int64("windows_observed")),
            lastWindowEnd: try reader.optionalInt64("last_window_end")
        )
    }
}
