import API
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// `POST /logs/ingest` over a real socket: what is accepted reaches the shards and the counters,
/// what is not gets the right status and a reason, and the server keeps serving.
@Suite struct IngestEndpointTests {
    @Test func readmeBatchIsAcceptedCountedAndReachesTheShards() async throws {
        let fixture = try await APIFixture()
        try await fixture.live { client in
            try await client.execute(uri: "/logs/ingest", method: .post, body: jsonBody(readmeBatch)) { response in
                #expect(response.status == .accepted)
                #expect(response.body.json["accepted"] as? Int == 1)
                #expect((response.body.json["rejected"] as? [Any])?.isEmpty == true)
            }
            fixture.receiver.shards.drain()
            let services = fixture.receiver.shards.serviceSnapshot()
            #expect(services.map(\.service) == ["payment-api"])
            #expect(services.first?.counts.errors == 1)
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(APIFixture.sample(#"vigil_received_messages_total{transport="http"}"#, in: response.body.text) == 1)
                #expect(APIFixture.sample(#"vigil_parse_errors_total{transport="http"}"#, in: response.body.text) == 0)
            }
        }
    }

    @Test func badEntriesAreRejectedByIndexWithTheReasonAndTheRestAccepted() async throws {
        let fixture = try await APIFixture()
        let body = """
            {"logs":[
              {"level":"INFO","service":"auth","message":"ok"},
              {"level":"LOUD","service":"auth","message":"x"},
              {"level":"ERROR","message":"no service"},
              {"level":"WARN","service":"has space","message":"x"},
              {"level":"WARNING","service":"auth","message":"x","timestamp":"yesterday"},
              {"level":"critical","service":"auth","message":"lower-case level is fine","timestamp":"2024-01-15T10:30:00.123+01:00"},
              "not an object",
              {"level":"DEBUG","service":"auth","message":"x","context":[1]}
            ]}
            """
        try await fixture.live { client in
            try await client.execute(uri: "/logs/ingest", method: .post, body: jsonBody(body)) { response in
                #expect(response.status == .accepted)
                let json = response.body.json
                #expect(json["accepted"] as? Int == 2)
                let rejected = json["rejected"] as? [[String: Any]] ?? []
                #expect(rejected.compactMap { $0["index"] as? Int } == [1, 2, 3, 4, 6, 7])
                let reasons = rejected.compactMap { $0["error"] as? String }
                #expect(reasons.count == 6)
                #expect(reasons[0].hasPrefix("level:"))
                #expect(reasons[1].hasPrefix("service:"))
                #expect(reasons[2].hasPrefix("service:"))
                #expect(reasons[3].hasPrefix("timestamp:"))
                #expect(reasons[5].hasPrefix("context:"))
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(APIFixture.sample(#"vigil_received_messages_total{transport="http"}"#, in: response.body.text) == 8)
                #expect(APIFixture.sample(#"vigil_parse_errors_total{transport="http"}"#, in: response.body.text) == 6)
            }
        }
    }

    @Test func malformedBodiesGet400WithTheReasonAndAreCounted() async throws {
        let fixture = try await APIFixture()
        try await fixture.live { client in
            for body in [#"{"logs":"#, "[]", #"{"logs":{}}"#, "", "\u{FF}"] {
                try await client.execute(uri: "/logs/ingest", method: .post, body: jsonBody(body)) { response in
                    #expect(response.status == .badRequest, "body \(body)")
                    #expect((response.body.json["error"] as? String)?.isEmpty == false)
                }
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(APIFixture.sample(#"vigil_http_refused_requests_total{reason="malformed_json"}"#, in: response.body.text) == 5)
            }
            // Still serving.
            try await client.execute(uri: "/logs/ingest", method: .post, body: jsonBody(readmeBatch)) { #expect($0.status == .accepted) }
        }
    }

    @Test func bodiesOverTheLimitGet413AndTheServerStaysUp() async throws {
        let fixture = try await APIFixture()
        let entry = #"{"level":"INFO","service":"auth","message":"\#(String(repeating: "x", count: 500))"}"#
        let big = #"{"logs":["# + Array(repeating: entry, count: 100).joined(separator: ",") + "]}"
        try await fixture.live(maxBodyBytes: 16 * 1024, keepOpen: true) { client in
            try await client.execute(uri: "/logs/ingest", method: .post, body: jsonBody(big)) { response in
                #expect(response.status == .contentTooLarge)
                #expect(response.headers[.connection] == "close")  // the unread rest of the body is not waited for
            }
        }
        // The server closed that connection; a new one finds it serving.
        try await fixture.live(maxBodyBytes: 16 * 1024) { client in
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/logs/ingest", method: .post, body: jsonBody(readmeBatch)) { #expect($0.status == .accepted) }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(APIFixture.sample(#"vigil_http_refused_requests_total{reason="body_too_large"}"#, in: response.body.text) == 1)
                #expect(APIFixture.sample(#"vigil_received_messages_total{transport="http"}"#, in: response.body.text) == 1)
            }
        }
    }

    @Test func gzipBodiesAreAcceptedAndGzipBombsRefused() async throws {
        let fixture = try await APIFixture()
        let compressed = try gzip(Data(readmeBatch.utf8))
        // 4 MiB of spaces inside the JSON compress to a few KiB but inflate past the 1 MiB limit.
        let bomb = try gzip(Data((#"{"logs":["# + String(repeating: " ", count: 4 << 20) + "]}").utf8))
        #expect(bomb.count < 64 * 1024)
        try await fixture.live(maxBodyBytes: 1 << 20) { client in
            var headers = HTTPFields()
            headers[.contentEncoding] = "gzip"
            try await client.execute(uri: "/logs/ingest", method: .post, headers: headers, body: ByteBuffer(bytes: compressed)) { response in
                #expect(response.status == .accepted)
                #expect(response.body.json["accepted"] as? Int == 1)
            }
            try await client.execute(uri: "/logs/ingest", method: .post, headers: headers, body: ByteBuffer(bytes: bomb)) { response in
                #expect(response.status == .contentTooLarge)
            }
            try await client.execute(uri: "/logs/ingest", method: .post, headers: headers, body: jsonBody(readmeBatch)) { response in
                #expect(response.status == .badRequest)  // says gzip, is not
            }
            headers[.contentEncoding] = "br"
            try await client.execute(uri: "/logs/ingest", method: .post, headers: headers, body: jsonBody(readmeBatch)) { response in
                #expect(response.status == .unsupportedMediaType)
            }
        }
    }

    /// gzip through the system's `gzip` command (what a client like curl --data-binary @file.gz sends).
    func gzip(_ data: Data) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-c", "-9"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let writer = Thread {
            input.fileHandleForWriting.write(data)
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let result = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return result
    }
}
