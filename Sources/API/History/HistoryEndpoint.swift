import Detect
import Foundation
import History
import Hummingbird
import Store

/// `GET /services/{name}/history`, `GET /history` (the overall scope) and
/// `GET /services/history?service=A&service=B` (several services at once, for the dashboard's
/// sparklines), each with `since`, `until` (RFC 3339 or epoch seconds; default: the last hour)
/// and `step` (60, 300 or 3600 seconds; default 60).
///
/// The store's minutes plus those the recorder has not written yet (the minute being counted
/// is marked `"partial": true`), so a chart is current to the tick.
struct HistoryEndpoint: Sendable {
    let store: any HistoryStore
    let recorder: HistoryRecorder?
    let thresholds: AlertThresholds
    /// Points one answer may hold per scope (a week of minutes is 10,080).
    static let maximumPoints: Int64 = 10_080
    static let maximumServices = 500

    struct Range {
        var since: Int64
        var until: Int64
        var step: Int64
    }

    func service(_ encodedName: String, _ request: Request) async -> Response {
        let name = encodedName.removingPercentEncoding ?? encodedName
        return await answer(request, scopes: [.service(name)]) { range, series in
            ["scope": "service", "service": name, "step": range.step, "since": Alert.rfc3339(seconds: range.since),
             "until": Alert.rfc3339(seconds: range.until), "points": series[.service(name)] ?? []]
        }
    }

    func overall(_ request: Request) async -> Response {
        await answer(request, scopes: [.overall]) { range, series in
            ["scope": "overall", "step": range.step, "since": Alert.rfc3339(seconds: range.since),
             "until": Alert.rfc3339(seconds: range.until), "points": series[.overall] ?? []]
        }
    }

    func services(_ request: Request) async -> Response {
        let names = request.uri.queryParameters[values: "service"].map(String.init)
        guard (1...Self.maximumServices).contains(names.count) else {
            return JSONResponse.error("service: give 1 to \(Self.maximumServices) service parameters", status: .badRequest)
        }
        return await answer(request, scopes: names.map { .service($0) }) { range, series in
            var byService: [String: Any] = [:]
            for name in names { byService[name] = series[.service(name)] ?? [] }
            return ["step": range.step, "since": Alert.rfc3339(seconds: range.since), "until": Alert.rfc3339(seconds: range.until),
                    "services": byService]
        }
    }

    private func answer(
        _ request: Request, scopes: [Scope], body: (Range, [Scope: [[String: Any]]]) -> [String: Any]
    ) async -> Response {
        let range: Range
        let parameters = request.uri.queryParameters
        switch Self.range({ parameters[$0[...]] }, now: Int64(Date().timeIntervalSince1970)) {
        case .success(let parsed): range = parsed
        case .failure(let error): return JSONResponse.error(error.message, status: .badRequest)
        }
        let minutes: [HistoryMinute]
        do {
            // The store first, then the recorder: a minute written in between is missed once,
            // never counted twice.
            minutes = try await store.history(of: scopes, from: range.since, until: range.until)
        } catch {
            return JSONResponse.error("database unavailable: \(error)", status: .serviceUnavailable)
        }
        let unwritten = recorder?.unwritten(of: Set(scopes)) ?? HistorySnapshot(current: nil, rows: [])
        let all = minutes + unwritten.rows.filter { $0.minute >= range.since && $0.minute < range.until }
        let byScope = Dictionary(grouping: all) { (minute: HistoryMinute) in minute.scope }
        var series: [Scope: [[String: Any]]] = [:]
        for (scope, rows) in byScope {
            series[scope] = HistorySeries(step: range.step, minutes: rows, partialMinute: unwritten.current).json(thresholds: thresholds)
        }
        return JSONResponse.object(body(range, series))
    }

    struct BadRequest: Error {
        var message: String
    }

    /// `since` and `until` aligned down and up to the step.
    static func range(_ parameters: (String) -> Substring?, now: Int64) -> Result<Range, BadRequest> {
        var step: Int64 = 60
        if let text = parameters("step") {
            guard let value = Int64(text), HistorySeries.steps.contains(value) else {
                return .failure(BadRequest(message: "step: must be 60, 300 or 3600 (seconds)"))
            }
            step = value
        }
        var until = now
        if let text = parameters("until") {
            guard let value = AlertsEndpoint.seconds(String(text)) else {
                return .failure(BadRequest(message: "until: must be an RFC 3339 date-time or seconds since the epoch"))
            }
            until = value
        }
        var since = until - 3600
        if let text = parameters("since") {
            guard let value = AlertsEndpoint.seconds(String(text)) else {
                return .failure(BadRequest(message: "since: must be an RFC 3339 date-time or seconds since the epoch"))
            }
            since = value
        }
        since -= ((since % step) + step) % step
        until += (step - ((until % step) + step) % step) % step
        if until == since { until += step }
        guard since < until else { return .failure(BadRequest(message: "since: must be before until")) }
        guard (until - since) / step <= maximumPoints else {
            return .failure(BadRequest(message: "since..until spans more than \(maximumPoints) steps of \(step) s: use a larger step"))
        }
        return .success(Range(since: since, until: until, step: step))
    }
}
