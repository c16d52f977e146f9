/// Why a Messages API call produced no usable reply — the text recorded as the alert's
/// `analysis_error`. Never includes the API key.
public enum MessagesAPIError: Error, Hashable, CustomStringConvertible {
    /// The API answered with an error status; `type` and `message` come from its error body when
    /// it had one (e.g. `authentication_error`, "invalid x-api-key").
    case http(status: Int, type: String?, message: String?)
    /// No complete answer within the deadline (``AnalyzerConfiguration/totalTimeout``).
    case timeout(seconds: Double)
    /// The connection failed (refused, reset, connect timeout …).
    case transport(String)
    /// A 200 whose body is not a Messages API response (or holds no text).
    case malformedResponse(String)
    /// The analysis was cancelled (shutdown).
    case cancelled

    /// Worth another attempt: 429, 500–504, 529 (overloaded) and transport failures. Never
    /// 400/401/403 and the like, which a retry cannot fix.
    public var isRetryable: Bool {
        switch self {
        case .http(let status, _, _): status == 429 || (500...504).contains(status) || status == 529
        case .transport: true
        case .timeout, .malformedResponse, .cancelled: false
        }
    }

    /// The `outcome` label of `vigil_analysis_requests_total`.
    public var outcome: String {
        switch self {
        case .http(429, _, _): "rate_limited"
        case .http(529, _, _): "overloaded"
        case .http(let status, _, _) where status >= 500: "server_error"
        case .http: "client_error"
        case .timeout: "timeout"
        case .transport: "transport_error"
        case .malformedResponse: "malformed_response"
        case .cancelled: "cancelled"
        }
    }

    public var description: String {
        switch self {
        case .http(let status, let type, let message):
            var text = "Claude answered HTTP \(status)"
            if let type { text += " \(type)" }
            if let message { text += ": \(message)" }
            if status == 401 || status == 403 { text += " (check ANTHROPIC_API_KEY)" }
            return text
        case .timeout(let seconds): return "Claude did not answer within the \(seconds) s deadline"
        case .transport(let reason): return "cannot reach the Messages API: \(reason)"
        case .malformedResponse(let reason): return "malformed Messages API response: \(reason)"
        case .cancelled: return "analysis cancelled"
        }
    }
}
