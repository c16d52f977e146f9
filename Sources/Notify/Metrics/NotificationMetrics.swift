import CoreMetrics
import Store

/// The delivery worker's metrics, through swift-metrics (the process-wide factory by default):
/// - `vigil_notifications_total{kind,outcome}` — attempts by target kind and how they ended:
///   `delivered`, `retried` (a transient failure, tried again later) or `failed` (given up);
/// - `vigil_notifications_pending` — outbox rows not yet delivered nor given up (all instances);
/// - `vigil_notification_latency_seconds` — from the event being stored (the alert, or its
///   analysis) to its delivery, retries included;
/// - `vigil_alertmanager_refresh_total{outcome}` — re-sends of active alerts to Alertmanager
///   (`delivered` or `failed`; not outbox rows, so counted apart).
public struct NotificationMetrics: Sendable {
    public static let latencyLabel = "vigil_notification_latency_seconds"
    let factory: any MetricsFactory

    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
    }

    func outcome(_ kind: NotificationKind, _ outcome: DeliveryOutcome) {
        let name = switch outcome {
        case .delivered: "delivered"
        case .retry: "retried"
        case .failed: "failed"
        }
        Counter(label: "vigil_notifications_total", dimensions: [("kind", kind.rawValue), ("outcome", name)], factory: factory).increment()
    }

    func latency(milliseconds: Int64) {
        Timer(label: Self.latencyLabel, factory: factory).recordNanoseconds(max(0, milliseconds) * 1_000_000)
    }

    func pending(_ count: Int) {
        Gauge(label: "vigil_notifications_pending", factory: factory).record(count)
    }

    func refresh(delivered: Bool) {
        Counter(label: "vigil_alertmanager_refresh_total", dimensions: [("outcome", delivered ? "delivered" : "failed")], factory: factory)
            .increment()
    }
}
