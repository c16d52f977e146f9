/// The Messages API's JSON, as far as Vigil uses it
/// (`POST /v1/messages`, `anthropic-version: 2023-06-01`).
struct MessagesRequestBody: Encodable {
    struct Message: Encodable {
        var role: String
        var content: String
    }

    var model: String
    var max_tokens: Int
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
        var input_tokens: Int?
        var output_tokens: Int?
    }

    var model: String?
    var content: [Block]
    var stop_reason: String?
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
