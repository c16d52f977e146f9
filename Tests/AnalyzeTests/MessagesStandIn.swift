import Foundation
import Hummingbird
import Logging
import NIOCore

/// A stand-in for the Claude Messages API on 127.0.0.1 (a free port): answers `POST /v1/messages`
/// from a script of steps and records every request it got. No test talks to the real API.
final class MessagesStandIn: Sendable {
    enum Step: Sendable {
        /// Answers `status` with `body` (and `retry-after` when given).
        case respond(status: Int, body: String, retryAfter: String? = nil)
        /// Sleeps, then answers — past the client's deadline in the timeout tests.
        case stall(seconds: Double)
    }

    struct Recorded: Sendable {
        var path: String
        var headers: [String: String]
        var body: String

        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
        }
    }

    private let script: Script
    let port: Int
    private let server: Task<Void, any Error>

    /// The last step repeats once the script runs out.
    static func start(_ steps: [Step]) async throws -> MessagesStandIn {
        let script = Script(steps: steps)
        let router = Router()
        router.post("v1/messages") { request, _ -> Response in
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let body = try await request.body.collect(upTo: 1 << 20)
            let step = await script.take(Recorded(path: request.uri.path, headers: headers, body: String(buffer: body)))
            switch step {
            case .respond(let status, let text, let retryAfter):
                var fields = HTTPFields()
                fields[.contentType] = "application/json"
                if let retryAfter { fields[.retryAfter] = retryAfter }
                return Response(status: .init(code: status), headers: fields, body: .init(byteBuffer: ByteBuffer(string: text)))
            case .stall(let seconds):
                try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
                return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: Self.reply(text: "{}"))))
            }
        }
        let bound = Bound()
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in await bound.set(channel.localAddress?.port ?? 0) },
            logger: Logger(label: "standin", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        let server = Task { try await app.run() }
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(10)
        while await bound.port == nil, clock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        guard let port = await bound.port, port > 0 else {
            server.cancel()
            throw StandInError.didNotStart
        }
        return MessagesStandIn(script: script, port: port, server: server)
    }

    private init(script: Script, port: Int, server: Task<Void, any Error>) {
        self.script = script
        self.port = port
        self.server = server
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    var requests: [Recorded] {
        get async { await script.recorded }
    }

    func stop() async {
        server.cancel()
        _ = try? await server.value
    }

    /// A Messages API success body whose one text block is `text`.
    static func reply(text: String, model: String = "claude-sonnet-4-20250514", input: Int = 812, output: Int = 164) -> String {
        let object: [String: Any] = [
            "id": "msg_standin", "type": "message", "role": "assistant", "model": model,
            "content": [["type": "text", "text": text]],
            "stop_reason": "end_turn",
            "usage": ["input_tokens": input, "output_tokens": output],
        ]
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    static func error(_ type: String, _ message: String) -> String {
        #"{"type":"error","error":{"type":"\#(type)","message":"\#(message)"}}"#
    }

    static let analysisJSON = """
        {"root_cause": "Database connection pool exhausted in payments", "impact": "About 30% of payments fail", \
        "recommended_actions": ["Raise the pool size", "Look for long-running queries"], "confidence": 0.85}
        """

    private actor Script {
        var steps: [Step]
        var recorded: [Recorded] = []

        init(steps: [Step]) { self.steps = steps }

        func take(_ request: Recorded) -> Step {
            recorded.append(request)
            return steps.count > 1 ? steps.removeFirst() : steps[0]
        }
    }

    private actor Bound {
        var port: Int?
        func set(_ port: Int) { self.port = port }
    }

    enum StandInError: Error { case didNotStart }
}
