import Detect
import Foundation
import Hummingbird
import Ingest
import Syslog

/// `GET /services`: per service, the trailing (longest) window's volume and error rate (as
/// detection sees them now), its learned baseline at that window and when it was last heard from.
struct ServicesEndpoint: Sendable {
    let shards: ShardSet
    let detection: any DetectionState
    let windowSeconds: Int64
    let tickSeconds: Int64

    func handle() async -> Response {
        let nowTick = Int64(Date().timeIntervalSince1970) / tickSeconds
        let activity = await detection.activity(endingAtTick: nowTick) ?? shards.serviceActivity(endingAtTick: nowTick)
        var baselines: [String: Baseline] = [:]
        for baseline in await detection.baselines() {
            if let service = baseline.scope.service, baseline.windowSeconds == windowSeconds { baselines[service] = baseline }
        }
        let services: [[String: Any]] = activity.sorted { $0.service < $1.service }.map { entry in
            var object: [String: Any] = [
                "service": entry.service,
                "volume": entry.counts.total,
                "errors": entry.counts.errors,
                "error_rate": entry.counts.errorRate,
                // The end of the tick it was last seen in: tick resolution, not the message's time.
                "last_seen": SyslogTimestamp(utcSeconds: (entry.lastSeenTick + 1) * tickSeconds).rfc3339UTC(.none),
            ]
            if let baseline = baselines[entry.service] {
                object["baseline"] = [
                    "volume": baseline.volume, "error_rate": baseline.errorRate,
                    "windows_observed": baseline.windowsObserved,
                ] as [String: Any]
            } else {
                object["baseline"] = NSNull()
            }
            return object
        }
        return JSONResponse.object(["window_seconds": windowSeconds, "tick_seconds": tickSeconds, "services": services])
    }
}
