/// The dashboard's files, compiled into the binary (SwiftPM's `embedInCode`): the page works in
/// an air-gapped network and needs nothing but `vigil serve`. The files themselves are
/// hand-written HTML, CSS and JavaScript under `Assets/`; they hold no data — everything shown
/// comes from the JSON API, with the bearer token when `api.token` is set.
public struct DashboardAsset: Sendable {
    public let name: String
    public let contentType: String
    public let bytes: [UInt8]
    /// A strong validator of the content (FNV-1a of the bytes, quoted), for `If-None-Match`.
    public let etag: String

    init(name: String, contentType: String, bytes: [UInt8]) {
        self.name = name
        self.contentType = contentType
        self.bytes = bytes
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        let hex = String(hash, radix: 16)
        etag = "\"" + String(repeating: "0", count: 16 - hex.count) + hex + "\""
    }
}

public enum DashboardAssets {
    /// The page (`/`).
    public static let index = DashboardAsset(name: "index.html", contentType: "text/html; charset=utf-8", bytes: PackageResources.index_html)

    /// The page's other files by name (`/ui/NAME`).
    public static let files: [String: DashboardAsset] = Dictionary(uniqueKeysWithValues: [
        index,
        DashboardAsset(name: "app.js", contentType: "text/javascript; charset=utf-8", bytes: PackageResources.app_js),
        DashboardAsset(name: "charts.js", contentType: "text/javascript; charset=utf-8", bytes: PackageResources.charts_js),
        DashboardAsset(name: "app.css", contentType: "text/css; charset=utf-8", bytes: PackageResources.app_css),
        DashboardAsset(name: "favicon.svg", contentType: "image/svg+xml", bytes: PackageResources.favicon_svg),
    ].map { ($0.name, $0) })

    /// Sent with every dashboard file: only this origin's scripts, styles, images and API;
    /// no inline script or style, no plugin, no frame, no form posted elsewhere. Log text
    /// that slipped into markup could still not run.
    public static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        + "font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
}
