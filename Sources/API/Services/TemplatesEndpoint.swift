import Detect
import Foundation
import Hummingbird

/// `GET /services/{name}/templates`: the service's most frequent message templates in the
/// trailing window, as detection saw them on its latest tick (which messages are mined is
/// `detection.mine_templates`: warnings and errors by default), with counts, an example, and
/// whether each is new (first seen within the window, or flagged novel by detection).
struct TemplatesEndpoint: Sendable {
    let detection: any DetectionState
    let windowSeconds: Int64

    func handle(_ encodedName: String) async -> Response {
        let name = encodedName.removingPercentEncoding ?? encodedName
        let window = await detection.templateWindow()
        let now = Int64(Date().timeIntervalSince1970)
        let novel = Set(window.novel.filter { $0.sample.service == name }.map(\.sample.templateID))
        let templates: [[String: Any]] = (window.top[name] ?? []).map { sample in
            [
                "template_id": sample.templateID,
                "template": sample.template,
                "count": sample.count,
                "severity": sample.severity,
                "example": sample.example,
                "first_seen": Alert.rfc3339(seconds: sample.firstSeen),
                "new": novel.contains(sample.templateID) || sample.firstSeen > now - windowSeconds,
            ]
        }
        return JSONResponse.object(["service": name, "window_seconds": windowSeconds, "templates": templates])
    }
}
