import Foundation
import Hummingbird
import Ingest
import NIOCore
import Syslog

/// `POST /logs/ingest`: reads the body (at most `maxBodyBytes`, gzip allowed), checks every
/// entry, hands the valid ones to the shards and answers `202 {"accepted": N, "rejected": […]}`.
/// Bad bodies are answered and counted (`vigil_http_refused_requests_total{reason}`), never
/// dropped silently.
struct IngestEndpoint: Sendable {
    let http: HTTPIngest
    let maxBodyBytes: Int
    let metrics: VigilMetrics

    func handle(_ request: Request, context: VigilRequestContext) async throws -> Response {
        // The rest of an oversize body is not read: the connection is closed after the answer.
        let peer = context.remoteAddress.flatMap(Ingest.SocketAddress.init)
        guard http.admits(peer) else {
            return refuse("not_allowed", "source address not allowed (syslog.allow)", status: .forbidden)
        }
        var closing = HTTPFields()
        closing[.connection] = "close"
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBodyBytes {
            return refuse("body_too_large", "body larger than \(maxBodyBytes) bytes", status: .contentTooLarge, headers: closing)
        }
        var body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maxBodyBytes)
        } catch is NIOTooManyBytesError {
            return refuse("body_too_large", "body larger than \(maxBodyBytes) bytes", status: .contentTooLarge, headers: closing)
        }
        var bytes = body.readBytes(length: body.readableBytes) ?? []
        switch request.headers[.contentEncoding]?.lowercased() {
        case nil, "identity":
            break
        case "gzip", "x-gzip":
            do throws(GzipInflater.Failure) {
                bytes = try GzipInflater.inflate(bytes, limit: maxBodyBytes)
            } catch .tooLarge {
                return refuse("body_too_large", "decompressed body larger than \(maxBodyBytes) bytes", status: .contentTooLarge)
            } catch .corrupt(let reason) {
                return refuse("bad_encoding", "gzip body does not decompress: \(reason)", status: .badRequest)
            }
        case let other?:
            return refuse("bad_encoding", "Content-Encoding '\(other)' not supported (gzip or identity)", status: .unsupportedMediaType)
        }
        let batch: LogBatch
        do throws(LogBatch.BodyError) {
            batch = try LogBatch(json: Data(bytes))
        } catch {
            return refuse("malformed_json", error.reason, status: .badRequest)
        }
        let rejections = batch.rejected.map { HTTPIngest.Rejection(reason: "entry \($0.index): \($0.error)", offset: $0.index) }
        switch http.submit(batch.frames, rejections: rejections, peer: peer) {
        case .saturated:
            var headers = HTTPFields()
            headers[.retryAfter] = "1"
            return refuse("shards_saturated", "the shards are behind; retry shortly", status: .serviceUnavailable, headers: headers)
        case .queued:
            return JSONResponse.object(
                ["accepted": batch.frames.count, "rejected": batch.rejected.map { ["index": $0.index, "error": $0.error] }],
                status: .accepted)
        }
    }

    private func refuse(_ reason: String, _ message: String, status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        metrics.countRefusal("vigil_http_refused_requests_total", reason: reason, help: "POST /logs/ingest requests refused whole: body_too_large, malformed_json, bad_encoding, shards_saturated, not_allowed.")
        return JSONResponse.error(message, status: status, headers: headers)
    }
}
