import Detect
import Hummingbird
import Store

/// `GET /incidents/recent?limit=N` → `{"incidents":[INCIDENT,…]}`, the most recently opened
/// first (limit 1–1000, default 10); `GET /incidents/{incident_id}` → `INCIDENT` or 404. An
/// incident is its alerts (oldest first) with their first and last time, services, categories
/// and worst severity (``Incident/json``). A database that cannot answer is a 503 with the reason.
struct IncidentsEndpoint: Sendable {
    let store: any VigilStore

    func recent(_ request: Request) async throws -> Response {
        guard let limit = ListLimit.parse(request.uri.queryParameters["limit"], default: 10) else { return ListLimit.invalid }
        do {
            let incidents = try await store.recentIncidents(limit: limit)
            return JSONResponse.json(#"{"incidents":["# + incidents.map(\.json).joined(separator: ",") + "]}")
        } catch {
            return JSONResponse.databaseUnavailable(error)
        }
    }

    func one(incidentID: String) async throws -> Response {
        do {
            guard let incident = try await store.incident(id: incidentID) else {
                return JSONResponse.error("no incident with incident_id '\(incidentID)'", status: .notFound)
            }
            return JSONResponse.json(incident.json)
        } catch {
            return JSONResponse.databaseUnavailable(error)
        }
    }
}
