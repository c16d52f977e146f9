import Foundation
import Hummingbird

/// Responses with a JSON (or text) body and the right content type.
enum JSONResponse {
    static func json(_ text: String, status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:]) -> Response {
        var response = Self.text(text, contentType: "application/json", status: status)
        for field in extra { response.headers.append(field) }
        return response
    }

    static func object(_ value: [String: Any], status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return json(String(decoding: data, as: UTF8.self), status: status, headers: headers)
    }

    static func error(_ message: String, status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        object(["error": message], status: status, headers: headers)
    }

    /// 503 with the store's failure (the API reads the database; ingestion does not need it).
    static func databaseUnavailable(_ error: any Error) -> Response {
        Self.error("database unavailable: \(error)", status: .serviceUnavailable)
    }

    static func text(_ text: String, contentType: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// The `limit` query parameter of the list endpoints (`/alerts/recent`, `/incidents/recent`).
enum ListLimit {
    static let range = 1...1000

    /// `fallback` when absent; `nil` when not an integer in ``range``.
    static func parse(_ text: Substring?, default fallback: Int) -> Int? {
        guard let text else { return fallback }
        guard let value = Int(String(text)), range.contains(value) else { return nil }
        return value
    }

    static var invalid: Response {
        JSONResponse.error("limit: must be an integer from \(range.lowerBound) to \(range.upperBound)", status: .badRequest)
    }
}
