import Detect
import Foundation

/// The JSON columns of the alerts table (lists and the per-scope anomalies), encoded with
/// Foundation so both backends store the same text. Detect's types stay free of Codable (and of
/// Foundation); these records are the stored shape, with snake_case keys like the alert JSON.
enum StoredJSON {
    static func encode<Value: Encodable>(_ value: Value) throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        return String(decoding: data, as: UTF8.self)
    }

    static func decode<Value: Decodable>(_ type: Value.Type, from text: String) throws -> Value {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(type, from: Data(text.utf8))
    }
}

/// ``ScopeMetrics`` as stored inside an anomaly record.
struct MetricsRecord: Codable, Hashable {
    var errorRate: Double
    var volume: Double
    var serviceCount: Double

    init(_ metrics: ScopeMetrics) {
        errorRate = metrics.errorRate
        volume = metrics.volume
        serviceCount = metrics.serviceCount
    }

    var metrics: ScopeMetrics { ScopeMetrics(errorRate: errorRate, volume: volume, serviceCount: serviceCount) }
}

/// One ``Anomaly`` of an alert, kept so that a stored alert reads back whole (the HTTP API shows
/// appeared and vanished services from them).
struct AnomalyRecord: Codable, Hashable {
    var category: String
    var severity: String
    var scope: String
    /// Absent in rows written before windows existed (decodes as nil, read as 0: unknown).
    var windowSeconds: Int64?
    var affectedServices: [String]
    var current: MetricsRecord
    var baseline: MetricsRecord
    var multiplier: Double?
    var appearedServices: [String]
    var vanishedServices: [String]
    /// Absent in rows written before templates existed (decodes as nil).
    var pattern: TemplateSampleRecord?
    var description: String

    init(_ anomaly: Anomaly) {
        category = anomaly.category.rawValue
        severity = anomaly.severity.rawValue
        scope = anomaly.scope.storageKey
        windowSeconds = anomaly.windowSeconds
        affectedServices = anomaly.affectedServices
        current = MetricsRecord(anomaly.current)
        baseline = MetricsRecord(anomaly.baseline)
        multiplier = anomaly.multiplier
        appearedServices = anomaly.appearedServices
        vanishedServices = anomaly.vanishedServices
        pattern = anomaly.pattern.map(TemplateSampleRecord.init)
        description = anomaly.description
    }

    /// `nil` when a stored name is not one this build knows.
    var anomaly: Anomaly? {
        guard
            let category = AnomalyCategory(rawValue: category),
            let severity = AlertSeverity(rawValue: severity),
            let scope = Scope(storageKey: scope)
        else { return nil }
        return Anomaly(
            category: category,
            severity: severity,
            scope: scope,
            windowSeconds: windowSeconds ?? 0,
            affectedServices: affectedServices,
            current: current.metrics,
            baseline: baseline.metrics,
            multiplier: multiplier,
            appearedServices: appearedServices,
            vanishedServices: vanishedServices,
            pattern: pattern?.sample,
            description: description
        )
    }
}

/// One ``TemplateSample`` of an alert (its top templates), and the pattern of a `new_pattern`
/// anomaly.
struct TemplateSampleRecord: Codable, Hashable {
    var service: String
    var templateId: String
    var template: String
    var count: Int
    var example: String
    var firstSeen: Int64
    var severity: Int

    init(_ sample: TemplateSample) {
        service = sample.service
        templateId = sample.templateID
        template = sample.template
        count = sample.count
        example = sample.example
        firstSeen = sample.firstSeen
        severity = sample.severity
    }

    var sample: TemplateSample {
        TemplateSample(
            service: service, templateID: templateId, template: template, count: count, example: example,
            firstSeen: firstSeen, severity: severity)
    }
}
