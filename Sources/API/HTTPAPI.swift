import Foundation
import Hummingbird
import Ingest
import Logging

/// Vigil's HTTP interface. Today: `GET /health` and `GET /metrics`; the HTTP issue adds ingest,
/// alerts and services.
public enum HTTPAPI {
    /// `moreMetrics` adds Prometheus text from other parts (detection, the store) to `/metrics`.
    public static func application(
        receiver: Receiver, host: String, port: Int, logger: Logger,
        moreMetrics: @escaping @Sendable () async -> String = { "" }
    ) -> some ApplicationProtocol {
        let started = Date()
        let router = Router()
        router.get("health") { _, _ -> Response in
            let metrics = receiver.metrics()
            let body = #"{"status":"ok","uptime_seconds":\#(Int(Date().timeIntervalSince(started))),"received":{"udp":\#(metrics.received[.udp] ?? 0),"tcp":\#(metrics.received[.tcp] ?? 0)}}"#
            return response(body, contentType: "application/json")
        }
        router.get("metrics") { _, _ -> Response in
            response(PrometheusText.render(receiver.metrics()) + (await moreMetrics()), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "vigil"),
            logger: logger)
    }

    private static func response(_ text: String, contentType: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
