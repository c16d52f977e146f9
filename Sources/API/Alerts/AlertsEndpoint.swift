import Detect
import Foundation
import Hummingbird
import Store
import Syslog

/// `GET /alerts/recent?limit=&category=&service=&since=` and `GET /alerts/{anomaly_id}`: alerts
/// from the store, in the alert JSON `vigil analyze` prints. A database that cannot answer is
/// a 503 with the reason (ingestion is unaffected).
public struct AlertsEndpoint: Sendable {
    let store: any VigilStore

    func recent(_ request: Request) async throws -> Response {
        let parameters = request.uri.queryParameters
        guard let limit = ListLimit.parse(parameters["limit"], default: 10) else { return ListLimit.invalid }
        var query = AlertQuery(limit: limit)
        if let text = parameters["category"] {
            guard let category = AnomalyCategory(rawValue: String(text)) else {
                let known = AnomalyCategory.allCases.map(\.rawValue).joined(separator: ", ")
                return JSONResponse.error("category: must be one of \(known)", status: .badRequest)
            }
            query.category = category
        }
        if let text = parameters["service"] {
            query.service = String(text)
        }
        if let text = parameters["since"] {
            guard let since = Self.seconds(String(text)) else {
                return JSONResponse.error("since: must be an RFC 3339 date-time or seconds since the epoch", status: .badRequest)
            }
            query.since = since
        }
        do {
            let alerts = try await store.recentAlerts(query)
            return JSONResponse.json(#"{"alerts":["# + alerts.map(\.json).joined(separator: ",") + "]}")
        } catch {
            return JSONResponse.databaseUnavailable(error)
        }
    }

    func one(anomalyID: String) async throws -> Response {
        do {
            guard let alert = try await store.alert(anomalyID: anomalyID) else {
                return JSONResponse.error("no alert with anomaly_id '\(anomalyID)'", status: .notFound)
            }
            return JSONResponse.json(alert.json)
        } catch {
            return JSONResponse.databaseUnavailable(error)
        }
    }

    /// `2024-01-15T10:30:00Z` (any RFC 3339 offset, optional fraction) or `1705314600`: the
    /// `since` filter's forms (`vigil alerts --since` takes them too).
    public static func seconds(_ text: String) -> Int64? {
        if let seconds = Int64(text) { return seconds }
        guard RFC3339Check.isValid(text) else { return nil }
        return SyslogTimestamp(iso8601: text)?.secondsSinceEpoch
    }
}
