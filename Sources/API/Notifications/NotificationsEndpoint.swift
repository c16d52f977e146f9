import Foundation
import Hummingbird
import Store

/// `GET /notifications/recent?limit=N`: the newest outbox rows — target (URL redacted), event,
/// status, attempts, last answer and error — and how many are pending. Behind the same token as
/// the rest of the API. A database that cannot answer is a 503 with the reason.
struct NotificationsEndpoint: Sendable {
    let store: any VigilStore

    func recent(_ request: Request) async throws -> Response {
        var limit = 50
        if let text = request.uri.queryParameters["limit"] {
            guard let value = Int(String(text)), (1...1000).contains(value) else {
                return JSONResponse.error("limit: must be an integer from 1 to 1000", status: .badRequest)
            }
            limit = value
        }
        do {
            let deliveries = try await store.recentDeliveries(limit: limit)
            let pending = try await store.pendingDeliveryCount()
            return JSONResponse.object(["notifications": deliveries.map(Self.object), "pending": pending])
        } catch {
            return JSONResponse.error("database unavailable: \(error)", status: .serviceUnavailable)
        }
    }

    static func object(_ delivery: Delivery) -> [String: Any] {
        func time(_ milliseconds: Int64?) -> Any {
            guard let milliseconds else { return NSNull() }
            return OutboxClock.rfc3339(milliseconds: milliseconds)
        }
        return [
            "id": delivery.id,
            "delivery_id": delivery.deliveryID,
            "anomaly_id": delivery.anomalyID,
            "event": delivery.event.rawValue,
            "kind": delivery.target.kind.rawValue,
            "target": delivery.target.redactedURL,
            "status": delivery.status.rawValue,
            "attempts": delivery.attempts,
            "created_at": time(delivery.createdAt),
            "last_attempt_at": time(delivery.lastAttemptAt),
            "next_attempt_at": delivery.status == .pending ? time(delivery.nextAttemptAt) : NSNull(),
            "finished_at": time(delivery.finishedAt),
            "last_status": delivery.lastStatus.map { $0 as Any } ?? NSNull(),
            "last_error": delivery.lastError.map { $0 as Any } ?? NSNull(),
        ]
    }
}
