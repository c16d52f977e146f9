import Detect
import Store

/// `vigil notify --test`: one clearly marked test message to every configured target, sent
/// directly (not through the outbox, and regardless of the filters), each with its result.
public enum TestNotification {
    public struct Result: Sendable {
        public var target: NotificationTarget
        /// The answer's status, when there was one.
        public var status: Int?
        public var latency: Duration
        /// Why it failed; `nil` when the target answered 2xx.
        public var error: String?

        public var succeeded: Bool { error == nil }
    }

    /// The alert a test message carries: `anom_test_…`, low severity, its description saying
    /// it is a test.
    public static func alert(instance: String, at milliseconds: Int64) -> Alert {
        let seconds = milliseconds / 1000
        // 2024-01-15T10:30:45 → 20240115_103045, the shape of real anomaly ids.
        let stamp = String(Alert.rfc3339(seconds: seconds).prefix(19).compactMap { $0.isNumber ? $0 : $0 == "T" ? "_" : nil })
        return Alert(
            anomalyID: "anom_test_\(stamp)", detectedAt: seconds, severity: .low, category: .errorSpike,
            affectedServices: ["vigil-test"],
            description: "Vigil test notification from \(instance): not a real alert (vigil notify --test)",
            current: ScopeMetrics(errorRate: 0, volume: 0, serviceCount: 0),
            baseline: ScopeMetrics(errorRate: 0, volume: 0, serviceCount: 0),
            multiplier: nil, anomalies: [], sampleMessages: [])
    }

    /// Sends to every target at once; results in the configuration's target order.
    public static func send(
        configuration: NotifyConfiguration, transport: any NotificationTransport,
        now: @escaping @Sendable () -> Int64 = { OutboxClock.milliseconds() }
    ) async -> [Result] {
        let formats = NotificationFormats(configuration: configuration)
        let sentAt = now()
        let alert = alert(instance: configuration.instance, at: sentAt)
        let message = NotificationMessage(
            alert: alert, event: NotificationMessage.testEvent, deliveryID: alert.anomalyID + ":" + NotificationMessage.testEvent,
            sentAt: sentAt)
        return await withTaskGroup(of: (Int, Result).self) { group in
            for (index, target) in configuration.targets.enumerated() {
                group.addTask {
                    let started = ContinuousClock.now
                    let result: TransportResult
                    do {
                        result = await transport.send(try formats.request(message, to: target), timeout: configuration.timeout)
                    } catch {
                        return (index, Result(target: target, status: nil, latency: .zero, error: "cannot render: \(error)"))
                    }
                    let latency = ContinuousClock.now - started
                    switch result {
                    case .answered(let status, _, _) where (200...299).contains(status):
                        return (index, Result(target: target, status: status, latency: latency, error: nil))
                    case .answered(let status, _, let body):
                        return (index, Result(target: target, status: status, latency: latency, error: DeliveryPolicy.describe(status: status, body: body)))
                    case .failed(let reason):
                        return (index, Result(target: target, status: nil, latency: latency, error: reason))
                    case .cancelled:
                        return (index, Result(target: target, status: nil, latency: latency, error: "cancelled"))
                    }
                }
            }
            var results: [(Int, Result)] = []
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }
}
