import API
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// `POST /upload` (journald's export format), `GET /errors/recent`, and `syslog.allow` on HTTP.
@Suite struct UploadAndErrorsTests {
    static let journal: HTTPFields = [.contentType: "application/vnd.fdo.journal"]

    @Test func journalEntriesAreCountedAsJournaldWithServiceAndSeverity() async throws {
        let fixture = try await APIFixture()
        try await fixture.live { client in
            try await client.execute(
                uri: "/upload", method: .post, headers: Self.journal,
                body: ByteBuffer(bytes: JournalExportParserTests.export)
            ) { response in
                #expect(response.status == .accepted, "\(response.body.text)")
                #expect(response.body.json["accepted"] as? Int == 2)
            }
            fixture.receiver.shards.drain()
            let services = Dictionary(uniqueKeysWithValues: fixture.receiver.shards.serviceSnapshot().map { ($0.service, $0.counts) })
            #expect(services["sshd"]?.errors == 1)
            #expect(services["backup.sh"]?.total == 1)
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(APIFixture.sample(#"vigil_received_messages_total{transport="journald"}"#, in: response.body.text) == 2)
            }
        }
    }

    @Test func theUploadTokenIsTakenFromTheQueryAndTheBearerTokenStillWorks() async throws {
        let fixture = try await APIFixture()
        try await fixture.live(token: "api-secret", uploadToken: "up-secret") { client in
            let body = ByteBuffer(string: "MESSAGE=hello\nSYSLOG_IDENTIFIER=app\n\n")
            try await client.execute(uri: "/upload", method: .post, headers: Self.journal, body: body) { response in
                #expect(response.status == .unauthorized)
            }
            try await client.execute(uri: "/upload?token=wrong", method: .post, headers: Self.journal, body: body) { response in
                #expect(response.status == .unauthorized)
            }
            try await client.execute(uri: "/upload?token=up-secret", method: .post, headers: Self.journal, body: body) { response in
                #expect(response.status == .accepted)
            }
            var bearer = Self.journal
            bearer[.authorization] = "Bearer api-secret"
            try await client.execute(uri: "/upload", method: .post, headers: bearer, body: body) { response in
                #expect(response.status == .accepted)
            }
            // The upload token opens /upload only.
            try await client.execute(uri: "/errors/recent?token=up-secret", method: .get) { response in
                #expect(response.status == .unauthorized)
            }
        }
    }

    @Test func aWrongContentTypeOrAMalformedBodyIsRefusedAndKeptInTheErrorRing() async throws {
        let fixture = try await APIFixture()
        try await fixture.live(keepOpen: true) { client in
            try await client.execute(uri: "/upload", method: .post, headers: [.contentType: "text/plain"],
                                     body: ByteBuffer(string: "MESSAGE=x\n\n")) { response in
                #expect(response.status == .unsupportedMediaType)
            }
            try await client.execute(uri: "/upload", method: .post, headers: Self.journal,
                                     body: ByteBuffer(string: "MESSAGE=kept\n\nlower=case\n\n")) { response in
                #expect(response.status == .badRequest)
                #expect((response.body.json["error"] as? String)?.contains("1 entries accepted") == true, "\(response.body.text)")
            }
        }
        // The refused upload's connection is closed (the rest of its body is not read): a new one.
        try await fixture.live { client in
            try await client.execute(uri: "/errors/recent?limit=5", method: .get) { response in
                #expect(response.status == .ok)
                let errors = response.body.json["errors"] as? [[String: Any]] ?? []
                #expect(errors.count == 1)
                #expect(errors.first?["transport"] as? String == "journald")
                #expect((errors.first?["reason"] as? String)?.contains("invalid field name") == true)
            }
        }
    }

    @Test func httpIngestFromOutsideTheAllowlistIsRefused() async throws {
        let fixture = try await APIFixture(allow: ["10.0.0.0/8"])
        try await fixture.live { client in
            try await client.execute(uri: "/logs/ingest", method: .post, body: jsonBody(readmeBatch)) { response in
                #expect(response.status == .forbidden)
            }
            try await client.execute(uri: "/upload", method: .post, headers: Self.journal,
                                     body: ByteBuffer(string: "MESSAGE=x\n\n")) { response in
                #expect(response.status == .forbidden)
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(APIFixture.sample(#"vigil_refused_connections_total{transport="http"}"#, in: response.body.text) == 1)
                #expect(APIFixture.sample(#"vigil_refused_connections_total{transport="journald"}"#, in: response.body.text) == 1)
                #expect(APIFixture.sample(#"vigil_received_messages_total{transport="http"}"#, in: response.body.text) == 0)
            }
        }
    }

    @Test func rejectedJSONEntriesAreKeptWithTheirReason() async throws {
        let fixture = try await APIFixture()
        try await fixture.live { client in
            try await client.execute(uri: "/logs/ingest", method: .post,
                                     body: jsonBody(#"{"logs":[{"level":"LOUD","service":"a","message":"x"}]}"#)) { response in
                #expect(response.status == .accepted)
            }
            try await client.execute(uri: "/errors/recent", method: .get) { response in
                let errors = response.body.json["errors"] as? [[String: Any]] ?? []
                #expect(errors.count == 1)
                #expect(errors.first?["transport"] as? String == "http")
                #expect((errors.first?["reason"] as? String)?.hasPrefix("entry 0: level:") == true)
            }
            try await client.execute(uri: "/errors/recent?limit=0", method: .get) { response in
                #expect(response.status == .badRequest)
            }
        }
    }
}
