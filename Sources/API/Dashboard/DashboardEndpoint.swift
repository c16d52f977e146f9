import Foundation
import Dashboard
import Hummingbird

/// `GET /` and `GET /ui/{file}`: the dashboard's files from the binary, with their content
/// type, an ETag (a matching `If-None-Match` gets 304), `Cache-Control: no-cache` (revalidated
/// on each load, so an upgrade shows at once) and a strict `Content-Security-Policy`.
///
/// Served without the bearer token — they hold no data: with `api.token` set the page shows
/// its login form until the API accepts the token it is given.
struct DashboardEndpoint: Sendable {
    func index(_ request: Request) -> Response {
        serve(DashboardAssets.index, request)
    }

    func file(_ name: String, _ request: Request) -> Response {
        guard let asset = DashboardAssets.files[name] else {
            return JSONResponse.error("no dashboard file '\(name)'", status: .notFound)
        }
        return serve(asset, request)
    }

    private func serve(_ asset: DashboardAsset, _ request: Request) -> Response {
        var headers = HTTPFields()
        headers[.eTag] = asset.etag
        headers[.cacheControl] = "no-cache"
        headers[.contentSecurityPolicy] = DashboardAssets.contentSecurityPolicy
        headers[.xContentTypeOptions] = "nosniff"
        // Constant, valid field names (HTTPTypes predefines neither): the `!` cannot fail.
        headers[.init("Referrer-Policy")!] = "no-referrer"
        headers[.init("X-Frame-Options")!] = "DENY"
        if let tags = request.headers[.ifNoneMatch], Self.matches(tags, asset.etag) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = asset.contentType
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: asset.bytes)))
    }

    /// `If-None-Match: "a", "b"` or `*` (weak tags compare by their opaque part, RFC 9110 13.1.2).
    static func matches(_ header: String, _ etag: String) -> Bool {
        header.split(separator: ",").contains { candidate in
            let tag = candidate.trimmingCharacters(in: .whitespaces)
            return tag == "*" || tag == etag || tag == "W/" + etag
        }
    }
}
