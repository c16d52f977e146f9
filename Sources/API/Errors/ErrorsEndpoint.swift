import Foundation
import Hummingbird
import Ingest
import Syslog

/// `GET /errors/recent?limit=N`: the latest messages that did not parse or were rejected, newest
/// first, from every receive thread's error ring (`syslog.error_ring` each):
/// `{"errors":[{"received_at","transport","peer","reason","offset","length","raw","raw_base64"}]}`.
/// `raw` is the first 512 bytes as text (invalid UTF-8 replaced), `raw_base64` the same bytes
/// exactly; `length` is the whole message's.
struct ErrorsEndpoint: Sendable {
    let receiver: Receiver
    static let defaultLimit = 100

    func recent(_ request: Request) -> Response {
        let limitText = request.uri.queryParameters.get("limit")
        let limit = limitText.flatMap(Int.init) ?? Self.defaultLimit
        guard limit >= 1 else { return JSONResponse.error("limit must be a positive integer", status: .badRequest) }
        let errors = receiver.recentErrors(limit: limit).map { error -> [String: Any] in
            [
                "received_at": SyslogTimestamp(nanosecondsSinceEpoch: error.receivedAt, utcOffsetSeconds: 0, hasExplicitOffset: true).rfc3339UTC,
                "transport": error.transport.rawValue,
                "peer": error.peer.description,
                "reason": error.reason,
                "offset": error.offset,
                "length": error.length,
                "raw": String(decoding: error.bytes, as: UTF8.self),
                "raw_base64": Data(error.bytes).base64EncodedString(),
            ]
        }
        return JSONResponse.object(["errors": errors])
    }
}
