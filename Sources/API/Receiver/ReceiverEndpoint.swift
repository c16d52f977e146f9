import Foundation
import History
import Hummingbird
import Ingest

/// `GET /receiver`: the receiver's counters as JSON — the same sums `/metrics` exposes, for the
/// dashboard's "receiver at a glance" (it turns successive totals into rates) — and the depths
/// of the queues behind it.
struct ReceiverEndpoint: Sendable {
    let receiver: Receiver
    let detection: any DetectionState
    let history: HistoryRecorder?

    func handle() async -> Response {
        let m = receiver.metrics()
        func byTransport(_ values: [Transport: Int]) -> [String: Int] {
            Dictionary(uniqueKeysWithValues: Transport.allCases.map { ($0.rawValue, values[$0] ?? 0) })
        }
        let body: [String: Any] = [
            "at_ms": Int64(Date().timeIntervalSince1970 * 1000),
            "received": byTransport(m.received),
            "received_bytes": byTransport(m.receivedBytes),
            "parse_errors": byTransport(m.parseErrors),
            "dropped": m.dropped,
            "truncated_datagrams": m.truncatedDatagrams,
            "truncated_frames": m.truncatedFrames,
            "tcp_connections": m.tcpConnections,
            "tcp_connections_accepted": m.tcpConnectionsAccepted,
            "tcp_connections_rejected": m.tcpConnectionsRejected,
            "services": m.services,
            "services_overflowed_messages": m.servicesOverflowedMessages,
            "queues": [
                "shard_backlog": m.shardBacklog,
                "alerts_pending": await detection.pendingAlerts(),
                "analyses_pending": await detection.pendingAnalyses(),
                "history_minutes_pending": history?.queuedMinutes ?? 0,
            ],
        ]
        return JSONResponse.object(body)
    }
}
