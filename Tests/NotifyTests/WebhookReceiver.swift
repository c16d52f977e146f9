import Foundation
import Hummingbird
import Logging
import NIOCore

/// A webhook receiver on 127.0.0.1 (a free port) answering from a script — status codes, stalls
/// — and recording every request: the far end of the delivery tests. Any path is accepted.
final class WebhookReceiver: Sendable {
    enum Step: Sendable {
        case respond(status: Int, body: String = "", retryAfter: String? = nil)
        /// Sleeps, then answers 200 — past the sender's timeout in the timeout tests.
        case stall(seconds: Double)
    }

    struct Recorded: Sendable {
        var path: String
        var headers: [String: String]
        var body: [UInt8]
        var receivedAt: ContinuousClock.Instant

        var json: Any? { try? JSONSerialization.jsonObject(with: Data(body)) }
        var object: [String: Any] { json as? [String: Any] ?? [:] }
        func header(_ name: String) -> String? { headers[name.lowercased()] }
    }

    private let script: Script
    let port: Int
    private let server: Task<Void, any Error>

    /// The last step repeats once the script runs out.
    static func start(_ steps: [Step]) async throws -> WebhookReceiver {
        let script = Script(steps: steps)
        let router = Router()
        let handler: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
            let body = try await request.body.collect(upTo: 1 << 20)
            let recorded = Recorded(path: request.uri.path, headers: headers, body: Array(buffer: body), receivedAt: .now)
            switch await script.take(recorded) {
            case .respond(let status, let text, let retryAfter):
                var fields = HTTPFields()
                if let retryAfter { fields[.retryAfter] = retryAfter }
                await script.finish()
                return Response(status: .init(code: status), headers: fields, body: .init(byteBuffer: ByteBuffer(string: text)))
            case .stall(let seconds):
                try? await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
                await script.finish()
                return Response(status: .ok)
            }
        }
        router.post("**", use: handler)
        let bound = Bound()
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in await bound.set(channel.localAddress?.port ?? 0) },
            logger: Logger(label: "receiver", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        let server = Task { try await app.run() }
        let deadline = ContinuousClock.now + .seconds(30)  // generous: a loaded CI machine starts servers slowly
        while await bound.port == nil, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        guard let port = await bound.port, port > 0 else {
            server.cancel()
            throw ReceiverError.didNotStart
        }
        return WebhookReceiver(script: script, port: port, server: server)
    }

    private init(script: Script, port: Int, server: Task<Void, any Error>) {
        self.script = script
        self.port = port
        self.server = server
    }

    var url: String { "http://127.0.0.1:\(port)/hook" }

    var requests: [Recorded] {
        get async { await script.recorded }
    }

    /// Requests being answered at once, at most, since start.
    var maximumConcurrency: Int {
        get async { await script.maximumActive }
    }

    func stop() async {
        server.cancel()
        _ = try? await server.value
    }

    private actor Script {
        var steps: [Step]
        var recorded: [Recorded] = []
        var active = 0
        var maximumActive = 0

        init(steps: [Step]) { self.steps = steps }

        func take(_ request: Recorded) -> Step {
            recorded.append(request)
            active += 1
            maximumActive = max(maximumActive, active)
            return steps.count > 1 ? steps.removeFirst() : steps[0]
        }

        func finish() { active -= 1 }
    }

    private actor Bound {
        var port: Int?
        func set(_ port: Int) { self.port = port }
    }

    enum ReceiverError: Error { case didNotStart }
}
