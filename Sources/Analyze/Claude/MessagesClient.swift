import AsyncHTTPClient
import Foundation
import Logging
import NIOCore

/// A Claude Messages API client on AsyncHTTPClient: `POST {base}/v1/messages` with the key in
/// `x-api-key`, retried on 429, 500–504, 529 and transport failures (exponential backoff with
/// jitter, `retry-after` honoured), all within one deadline per call.
///
/// The deadline covers every attempt and every wait between them, so a server that never
/// answers costs the caller ``AnalyzerConfiguration/totalTimeout`` at most. 400, 401, 403 and the
/// other client errors fail at once with the API's own error message.
public final class MessagesClient: Sendable {
    public static let apiVersion = "2023-06-01"
    /// Larger answers are refused (max_tokens 1500 is ~10 KB of JSON).
    static let maximumBodyBytes = 1 << 20

    let configuration: AnalyzerConfiguration
    let retryPolicy: RetryPolicy
    let metrics: AnalysisMetrics
    private let http: HTTPClient
    private let logger: Logger

    public init(
        configuration: AnalyzerConfiguration,
        metrics: AnalysisMetrics = AnalysisMetrics(),
        logger: Logger = Logger(label: "vigil.analysis")
    ) {
        self.configuration = configuration
        self.metrics = metrics
        self.retryPolicy = RetryPolicy(
            maxRetries: configuration.maxRetries,
            initialBackoff: configuration.initialBackoff,
            maximumBackoff: configuration.maximumBackoff
        )
        self.logger = logger
        var http = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .nanoseconds(configuration.connectTimeout.nanoseconds))
        )
        http.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(1, configuration.concurrency)
        self.http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: http, backgroundActivityLogger: logger)
    }

    /// Closes the connection pool; calls afterwards fail.
    public func shutdown() async {
        do {
            try await http.shutdown()
        } catch {
            logger.debug("HTTP client shutdown: \(error)")
        }
    }

    /// Sends one exchange — `system` and one user message — and returns the reply's text, all
    /// attempts finished by `deadline` (default: ``AnalyzerConfiguration/totalTimeout`` from now).
    public func send(system: String, user: String, deadline: ContinuousClock.Instant? = nil) async throws(MessagesAPIError)
        -> MessagesReply
    {
        guard let key = configuration.apiKey, !key.isEmpty else {
            throw .http(status: 401, type: "authentication_error", message: "no API key configured")
        }
        let body = MessagesRequestBody(
            model: configuration.model,
            maxTokens: configuration.maxTokens,
            temperature: configuration.temperature,
            system: system,
            messages: [.init(role: "user", content: user)]
        )
        let encoded: Data
        do {
            encoded = try MessagesWire.encode(body)
        } catch {
            throw .malformedResponse("cannot encode the request: \(error)")
        }
        var request = HTTPClientRequest(url: configuration.messagesURL)
        request.method = .POST
        request.headers.add(name: "x-api-key", value: key)
        request.headers.add(name: "anthropic-version", value: Self.apiVersion)
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: encoded))

        let clock = ContinuousClock()
        let deadline = min(clock.now + configuration.totalTimeout, deadline ?? clock.now + configuration.totalTimeout)
        var attempt = 0
        while true {
            attempt += 1
            let remaining = clock.now.duration(to: deadline)
            let result = remaining > .zero ? await self.attempt(request, within: remaining) : .failure(AttemptFailure(error: timeout))
            switch result {
            case .success(var reply):
                reply.attempts = attempt
                return reply
            case .failure(let failure):
                metrics.request(outcome: failure.error.outcome)
                guard failure.error.isRetryable, attempt <= retryPolicy.maxRetries else { throw failure.error }
                let wait = retryPolicy.delay(beforeRetry: attempt, retryAfter: failure.retryAfter)
                guard clock.now + wait < deadline else {
                    logger.info("Messages API: \(failure.error); no time left to retry (waiting \(wait) would pass the deadline)")
                    throw failure.error
                }
                logger.info("Messages API: \(failure.error); retry \(attempt) of \(retryPolicy.maxRetries) in \(wait)")
                metrics.retry()
                do {
                    try await Task.sleep(for: wait)
                } catch {
                    throw .cancelled
                }
            }
        }
    }

    private var timeout: MessagesAPIError { .timeout(seconds: configuration.totalTimeout.seconds) }

    private struct AttemptFailure: Error {
        var error: MessagesAPIError
        var retryAfter: Duration? = nil
    }

    private struct DeadlinePassed: Error {}

    /// One request and its whole body within `limit` (raced against a timer, so a server that
    /// sends headers and then stalls is cut off too).
    private func attempt(_ request: HTTPClientRequest, within limit: Duration) async -> Result<MessagesReply, AttemptFailure> {
        let http = self.http
        let status: Int
        let retryAfter: String?
        let bytes: ByteBuffer
        do {
            (status, retryAfter, bytes) = try await withThrowingTaskGroup(of: (Int, String?, ByteBuffer)?.self) { group in
                group.addTask {
                    let response = try await http.execute(request, deadline: .now() + .nanoseconds(limit.nanoseconds))
                    let bytes = try await response.body.collect(upTo: Self.maximumBodyBytes)
                    return (Int(response.status.code), response.headers.first(name: "retry-after"), bytes)
                }
                group.addTask {
                    try await Task.sleep(for: limit)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let result = first else { throw DeadlinePassed() }
                return result
            }
        } catch is DeadlinePassed {
            return .failure(AttemptFailure(error: timeout))
        } catch let error as HTTPClientError where error == .deadlineExceeded {
            return .failure(AttemptFailure(error: timeout))
        } catch {
            if Task.isCancelled || error is CancellationError { return .failure(AttemptFailure(error: .cancelled)) }
            return .failure(AttemptFailure(error: .transport(String(describing: error))))
        }

        let data = Data(bytes.readableBytesView)
        guard (200..<300).contains(status) else {
            let detail = try? MessagesWire.decode(MessagesErrorBody.self, from: data)
            let message = detail?.error.message ?? String(decoding: data.prefix(300), as: UTF8.self)
            return .failure(AttemptFailure(
                error: .http(status: status, type: detail?.error.type, message: message.isEmpty ? nil : String(message.prefix(300))),
                retryAfter: RetryPolicy.retryAfter(retryAfter)
            ))
        }
        let decoded: MessagesResponseBody
        do {
            decoded = try MessagesWire.decode(MessagesResponseBody.self, from: data)
        } catch {
            return .failure(AttemptFailure(error: .malformedResponse("not a Messages API response (\(data.count) bytes)")))
        }
        let text = decoded.content.filter { $0.type == "text" }.compactMap(\.text).joined()
        return .success(MessagesReply(
            text: text,
            model: decoded.model,
            stopReason: decoded.stopReason,
            inputTokens: decoded.usage?.inputTokens,
            outputTokens: decoded.usage?.outputTokens,
            attempts: 1
        ))
    }
}
