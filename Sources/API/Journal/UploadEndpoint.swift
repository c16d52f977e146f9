import Hummingbird
import Ingest
import NIOCore

/// `POST /upload`: systemd-journal-remote's protocol, so `systemd-journal-upload
/// --url=http://vigil:8000/upload?token=…` forwards a host's journal with nothing else installed
/// (the tool appends `/upload` to its URL, after the query; the token is read either way).
///
/// The body (`Content-Type: application/vnd.fdo.journal`, usually chunked and as long as the
/// journal) is parsed as it arrives, never held whole: each entry is at most
/// `api.max_body_bytes`. Entries become RFC 5424 frames (``JournalEntry/syslogFrame()``) and go to
/// the shards in batches as `transport="journald"`. While the shards are saturated the endpoint
/// stops reading the body (lossless back-pressure, as TCP), instead of refusing mid-upload.
///
/// Auth: `?token=` equal to `api.upload_token` (the upload tool sends no headers of its own), or
/// the API's bearer token; with neither configured, anyone allowed by `syslog.allow` may upload.
struct UploadEndpoint: Sendable {
    let journald: HTTPIngest
    let maxEntryBytes: Int
    let metrics: VigilMetrics
    /// `api.upload_token`, accepted as `?token=`; `nil` when not configured.
    let uploadToken: [UInt8]?
    /// `api.token`, accepted as a bearer token here too (when the upload token is set, the
    /// bearer middleware leaves this path to the endpoint).
    let apiToken: [UInt8]?
    /// Entries handed to the shards at once.
    static let batchSize = 1024

    func handle(_ request: Request, context: VigilRequestContext) async throws -> Response {
        let peer = context.remoteAddress.flatMap(Ingest.SocketAddress.init)
        guard journald.admits(peer) else {
            return refuse("not_allowed", "source address not allowed (syslog.allow)", status: .forbidden)
        }
        guard authorized(request) else {
            return refuse("unauthorized", "missing or wrong upload token (?token=, api.upload_token)", status: .unauthorized)
        }
        let type = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard type == "application/vnd.fdo.journal" else {
            return refuse("bad_content_type", "Content-Type must be application/vnd.fdo.journal (got '\(type ?? "none")')",
                          status: .unsupportedMediaType)
        }
        var parser = JournalExportParser(maxEntryBytes: maxEntryBytes)
        var frames: [[UInt8]] = []
        var accepted = 0
        do {
            for try await chunk in request.body {
                try chunk.withUnsafeReadableBytes { bytes throws(JournalExportParser.Failure) in
                    try parser.feed(bytes) { frames.append($0.syslogFrame()) }
                }
                if frames.count >= Self.batchSize {
                    accepted += try await submit(&frames, peer: peer)
                }
            }
            try parser.finish { frames.append($0.syslogFrame()) }
            accepted += try await submit(&frames, peer: peer)
        } catch let failure as JournalExportParser.Failure {
            accepted += try await submit(&frames, peer: peer)  // the entries before the error stand
            _ = journald.submit([], rejections: [.init(reason: "journal export format: \(failure.reason)", offset: failure.offset)], peer: peer)
            let status: HTTPResponse.Status = failure.reason.contains("larger than") ? .contentTooLarge : .badRequest
            return refuse(status == .contentTooLarge ? "entry_too_large" : "malformed_journal", "\(failure) (\(accepted) entries accepted before it)",
                          status: status, headers: [.connection: "close"])
        }
        return JSONResponse.object(["accepted": accepted], status: .accepted)
    }

    private func authorized(_ request: Request) -> Bool {
        guard let uploadToken else { return true }  // the bearer middleware has decided already
        if var given = request.uri.queryParameters.get("token") {
            // systemd-journal-upload appends "/upload" to whatever URL it is given, so
            // `--url=http://vigil:8000/upload?token=T` arrives as `/upload?token=T/upload`.
            if given.hasSuffix("/upload") { given.removeLast("/upload".count) }
            if BearerTokenMiddleware<VigilRequestContext>.constantTimeEqual(Array(given.utf8), uploadToken) { return true }
        }
        if let apiToken, let header = request.headers[.authorization], header.hasPrefix("Bearer ") {
            return BearerTokenMiddleware<VigilRequestContext>.constantTimeEqual(Array(header.utf8.dropFirst(7)), apiToken)
        }
        return false
    }

    /// Hands the batch to the shards, waiting while they are saturated; empties `frames`.
    private func submit(_ frames: inout [[UInt8]], peer: Ingest.SocketAddress?) async throws -> Int {
        guard !frames.isEmpty else { return 0 }
        while journald.submitUnlessSaturated(frames, rejections: [], peer: peer) == nil {
            try await Task.sleep(for: .milliseconds(1))
        }
        defer { frames.removeAll(keepingCapacity: true) }
        return frames.count
    }

    private func refuse(_ reason: String, _ message: String, status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        metrics.countRefusal("vigil_upload_refused_requests_total", reason: reason, help: "POST /upload requests refused: not_allowed, bad_content_type, malformed_journal, entry_too_large, unauthorized.")
        return JSONResponse.error(message, status: status, headers: headers)
    }
}

extension Ingest.SocketAddress {
    /// The client's address in Ingest's form (for allowlists, the tap's `peer`, the error ring).
    init?(_ address: NIOCore.SocketAddress) {
        guard let host = address.ipAddress else { return nil }
        let port = address.port ?? 0
        guard let parsed = try? Ingest.SocketAddress(parsing: host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)") else {
            return nil
        }
        self = parsed
    }
}
