import API
import Dashboard
import Detect
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct DashboardEndpointTests {
    @Test func thePageAndItsFilesComeWithTypeETagAndAStrictPolicy() async throws {
        let fixture = try await APIFixture()
        try await fixture.live { client in
            for (uri, type) in [("/", "text/html"), ("/ui/app.js", "text/javascript"), ("/ui/charts.js", "text/javascript"),
                                ("/ui/app.css", "text/css"), ("/ui/favicon.svg", "image/svg+xml")] {
                let etag = try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .ok, "\(uri)")
                    #expect(response.headers[.contentType]?.hasPrefix(type) == true, "\(uri)")
                    let policy = response.headers[.contentSecurityPolicy] ?? ""
                    #expect(policy.contains("default-src 'none'") && policy.contains("script-src 'self'") && policy.contains("connect-src 'self'"))
                    #expect(!policy.contains("unsafe-inline") && !policy.contains("unsafe-eval") && !policy.contains("http"))
                    #expect(response.headers[.xContentTypeOptions] == "nosniff")
                    #expect(response.body.readableBytes > 0)
                    return try #require(response.headers[.eTag])
                }
                var conditional = HTTPFields()
                conditional[.ifNoneMatch] = etag
                try await client.execute(uri: uri, method: .get, headers: conditional) { response in
                    #expect(response.status == .notModified, "\(uri)")
                    #expect(response.body.readableBytes == 0)
                }
                conditional[.ifNoneMatch] = "\"stale\""
                try await client.execute(uri: uri, method: .get, headers: conditional) { #expect($0.status == .ok) }
            }
            try await client.execute(uri: "/ui/missing.js", method: .get) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/ui/..%2Fvigil.db", method: .get) { #expect($0.status == .notFound) }
        }
    }

    /// The page holds no data, so it is served without the token (it asks for it); every data
    /// endpoint it calls still needs it.
    @Test func withATokenThePageIsServedButNoData() async throws {
        let fixture = try await APIFixture()
        try await fixture.live(token: "s3cret") { client in
            for uri in ["/", "/ui/app.js", "/ui/app.css"] {
                try await client.execute(uri: uri, method: .get) { #expect($0.status == .ok, "\(uri)") }
            }
            for uri in ["/services", "/history", "/services/a/history", "/services/history?service=a", "/services/a/templates",
                        "/receiver", "/alerts/recent"] {
                try await client.execute(uri: uri, method: .get) { #expect($0.status == .unauthorized, "\(uri)") }
            }
            var right = HTTPFields()
            right[.authorization] = "Bearer s3cret"
            for uri in ["/history", "/services/a/history", "/receiver", "/services/a/templates"] {
                try await client.execute(uri: uri, method: .get, headers: right) { #expect($0.status == .ok, "\(uri)") }
            }
        }
    }

    /// The page's own rules, checked on the files as built in: no inline script (the policy
    /// would refuse it), nothing from another origin, and no HTML built from strings.
    @Test func theFilesLoadNothingFromElsewhereAndNeverParseDataAsHTML() throws {
        let html = String(decoding: DashboardAssets.index.bytes, as: UTF8.self)
        let scripts = html.components(separatedBy: "<script").dropFirst()
        #expect(!scripts.isEmpty)
        for tag in scripts { #expect(tag.hasPrefix(" src=\"/ui/"), "inline or foreign script: \(tag.prefix(60))") }
        #expect(!html.contains("style=\""))
        for asset in DashboardAssets.files.values {
            let text = String(decoding: asset.bytes, as: UTF8.self)
            for forbidden in ["https://", "//cdn", ".innerHTML =", ".innerHTML=", "outerHTML", "insertAdjacentHTML", "document.write", "eval("] {
                #expect(!text.contains(forbidden), "\(asset.name) contains \(forbidden)")
            }
            // The one allowed http:// is the SVG namespace (an identifier, never fetched).
            #expect(text.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").contains("http://") == false, "\(asset.name)")
        }
    }
}

@Suite struct TemplatesAndReceiverEndpointTests {
    @Test func topTemplatesOfAServiceWithTheNewOnesMarked() async throws {
        let now = Int64(Date().timeIntervalSince1970)
        let old = TemplateSample(service: "payments", templateID: "0000000000000001", template: "charge <*> declined", count: 40,
                                 example: "charge 7 declined", firstSeen: now - 86_400, severity: 3)
        let fresh = TemplateSample(service: "payments", templateID: "0000000000000002", template: "<img src=x onerror=alert(1)> <*>",
                                   count: 6, example: "<img src=x onerror=alert(1)> 12", firstSeen: now - 30, severity: 3)
        let window = TemplateWindow(novel: [NovelTemplate(sample: fresh, since: now - 30)], top: ["payments": [old, fresh]])
        let fixture = try await APIFixture(templates: window)
        try await fixture.live { client in
            try await client.execute(uri: "/services/payments/templates", method: .get) { response in
                #expect(response.status == .ok)
                let templates = response.body.json["templates"] as? [[String: Any]] ?? []
                #expect(templates.compactMap { $0["template_id"] as? String } == ["0000000000000001", "0000000000000002"])
                #expect(templates.compactMap { $0["new"] as? Bool } == [false, true])
                #expect(templates.last?["example"] as? String == "<img src=x onerror=alert(1)> 12")
                #expect(templates.first?["count"] as? Int == 40)
            }
            try await client.execute(uri: "/services/nobody/templates", method: .get) { response in
                #expect(response.status == .ok)
                #expect((response.body.json["templates"] as? [Any])?.isEmpty == true)
            }
        }
    }

    @Test func theReceiverCountersAsJSON() async throws {
        let fixture = try await APIFixture()
        try await fixture.live { client in
            try await client.execute(uri: "/logs/ingest", method: .post, body: jsonBody(readmeBatch)) { #expect($0.status == .accepted) }
            try await client.execute(uri: "/logs/ingest", method: .post, body: jsonBody(#"{"logs":[{"level":"LOUD","service":"x","message":"m"}]}"#)) { _ in }
            try await client.execute(uri: "/receiver", method: .get) { response in
                #expect(response.status == .ok)
                let body = response.body.json
                #expect((body["received"] as? [String: Int])?["http"] == 2)
                #expect((body["parse_errors"] as? [String: Int])?["http"] == 1)
                #expect((body["received"] as? [String: Int])?.keys.contains("udp") == true)
                let queues = body["queues"] as? [String: Int] ?? [:]
                #expect(Set(queues.keys) == ["shard_backlog", "alerts_pending", "analyses_pending", "history_minutes_pending"])
                #expect(body["at_ms"] is Int)
            }
        }
    }
}
