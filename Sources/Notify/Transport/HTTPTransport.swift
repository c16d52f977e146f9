import AsyncHTTPClient
import Logging
import NIOCore

/// The real transport: AsyncHTTPClient, one connection pool for every target, no redirects
/// followed (a 3xx is the target's answer, recorded as such), TLS verified against the system's
/// trust store.
///
/// Each request — connect, send, answer and the body's first bytes — is raced against a timer,
/// so a target that accepts the connection and then says nothing costs the timeout, not a
/// worker forever.
public final class HTTPTransport: NotificationTransport {
    /// Bytes of an answer's body kept for the record (the rest is not read).
    public static let keptBodyBytes = 512

    private let client: HTTPClient
    private let logger: Logger

    public init(connectTimeout: Duration = .seconds(10), connectionsPerHost: Int = 4, logger: Logger = Logger(label: "vigil.notify")) {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .milliseconds(connectTimeout.milliseconds)))
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(1, connectionsPerHost)
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration, backgroundActivityLogger: logger)
        self.logger = logger
    }

    public func shutdown() async {
        do {
            try await client.shutdown()
        } catch {
            logger.debug("notification HTTP client shutdown: \(error)")
        }
    }

    private struct TimedOut: Error {}

    public func send(_ request: OutgoingRequest, timeout: Duration) async -> TransportResult {
        var prepared = HTTPClientRequest(url: request.url)
        prepared.method = .POST
        for header in request.headers { prepared.headers.add(name: header.name, value: header.value) }
        prepared.body = .bytes(ByteBuffer(bytes: request.body))
        let outgoing = prepared
        let client = self.client
        do {
            return try await withThrowingTaskGroup(of: TransportResult?.self) { group in
                group.addTask {
                    let response = try await client.execute(outgoing, deadline: .now() + .milliseconds(timeout.milliseconds))
                    var kept: [UInt8] = []
                    for try await chunk in response.body {
                        kept += chunk.readableBytesView.prefix(Self.keptBodyBytes - kept.count)
                        if kept.count >= Self.keptBodyBytes { break }
                    }
                    return .answered(status: Int(response.status.code), retryAfter: response.headers.first(name: "retry-after"), body: kept)
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let result = first else { throw TimedOut() }
                return result
            }
        } catch is TimedOut {
            return .failed(reason: "timed out after \(timeout.secondsText) s")
        } catch let error as HTTPClientError where error == .deadlineExceeded {
            return .failed(reason: "timed out after \(timeout.secondsText) s")
        } catch {
            if Task.isCancelled || error is CancellationError { return .cancelled }
            return .failed(reason: String(describing: error))
        }
    }
}
