import Store
import Testing

@Suite struct TargetRedactionTests {
    @Test(arguments: [
        ("https://hooks.slack.com/services/T0001/B0002/XXXXXXXXXXXXXXXXXXXXXXXX", "https://hooks.slack.com/services/***"),
        ("https://user:pa55@hooks.example.com/vigil", "https://***@hooks.example.com/vigil"),
        ("https://hooks.example.com/vigil?token=abc&team=ops", "https://hooks.example.com/vigil?token=***&team=***"),
        ("https://discord.com/api/webhooks/123456789012345678/AbCdEf1234567890GhIjKl", "https://discord.com/api/webhooks/123456789012345678/***"),
        ("http://127.0.0.1:9093", "http://127.0.0.1:9093"),
        ("http://alertmanager.internal:9093/api/v2/alerts", "http://alertmanager.internal:9093/api/v2/alerts"),
        ("http://receiver:8080/hooks/vigil-production-alerts", "http://receiver:8080/hooks/vigil-production-alerts"),
    ])
    func secretsAreMaskedAndTheRestKept(url: String, shown: String) {
        #expect(TargetRedaction.redact(url) == shown)
    }
}
