import Foundation

/// The Messages API's JSON, as far as Vigil uses it (`POST /v1/messages`,
/// `anthropic-version: 2023-06-01`). Swift names; the wire's snake_case comes from the
/// coders (``MessagesWire``).
struct MessagesRequestBody: Encodable {
    struct Message: Encodable {
        var role: String
        var content: String
    }

    var model: String
    var maxTokens: Int
    var temperature: Double
    var system: String
    var messages: [Message]
}

struct MessagesResponseBody: Decodable {
    struct Block: Decodable {
        var type: String
        var text: String?
    }

    struct Usage: Decodable {
        var inputTokens: Int?
        var outputTokens: Int?
    }

    var model: String?
    var content: [Block]
    var stopReason: String?
    var usage: Usage?
}

/// `{"type":"error","error":{"type":"rate_limit_error","message":"…"}}`
struct MessagesErrorBody: Decodable {
    struct Detail: Decodable {
        var type: String?
        var message: String?
    }

    var error: Detail
}

/// The coders for the API's snake_case keys.
enum MessagesWire {
    static func encode(_ body: MessagesRequestBody) throws -> Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return try encoder.encode(body)
    }

    static func decode<Value: Decodable>(_ type: Value.Type, from data: Data) throws -> Value {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(type, from: data)
    }
}

/// A successful reply: the text blocks joined, and what the API says about it.
public struct MessagesReply: Sendable, Hashable {
    public var text: String
    public var model: String?
    public var stopReason: String?
    public var inputTokens: Int?
    public var outputTokens: Int?
    /// Attempts it took (1 without retries).
    public var attempts: Int
}
