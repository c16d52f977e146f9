import Hummingbird

/// `Authorization: Bearer TOKEN` on every path but the open ones (health and metrics stay
/// reachable for probes and Prometheus). A wrong or missing token gets 401 with
/// `WWW-Authenticate: Bearer`; the comparison takes the same time wherever the tokens differ.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: [UInt8]
    let openPaths: Set<String>
    /// Paths under these prefixes are open too (the dashboard's files, which hold no data).
    let openPrefixes: [String]

    init(token: String, openPaths: Set<String>, openPrefixes: [String] = []) {
        self.token = Array(token.utf8)
        self.openPaths = openPaths
        self.openPrefixes = openPrefixes
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if openPaths.contains(path) || openPrefixes.contains(where: { path.hasPrefix($0) }) {
            return try await next(request, context)
        }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
              Self.constantTimeEqual(Array(header.utf8.dropFirst(7)), token)
        else {
            var headers = HTTPFields()
            headers[.wwwAuthenticate] = #"Bearer realm="vigil""#
            return JSONResponse.error("missing or wrong bearer token", status: .unauthorized, headers: headers)
        }
        return try await next(request, context)
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }
}
