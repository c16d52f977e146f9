import Ingest
import Prometheus
import Synchronization

/// What `/metrics` serves: one ``PrometheusCollectorRegistry`` holding every metric of the
/// process. Other modules record through swift-metrics (the executable bootstraps a
/// `PrometheusMetricsFactory` on this registry), so their counters — detection, the store, the
/// analysis queue — show up here without the API knowing them.
///
/// The receiver's counters are per-thread atomics, summed only when read (nothing on the receive
/// path touches a registry lock); each scrape copies the new sums in: counters advance by what
/// they gained since the previous scrape, gauges are set.
public final class VigilMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let receiver: Receiver
    /// The receiver totals already copied into the registry's counters, by metric and label.
    private let copied = Mutex<[String: Int]>([:])

    public init(registry: PrometheusCollectorRegistry, receiver: Receiver) {
        self.registry = registry
        self.receiver = receiver
    }

    /// Counts a request refused whole, by endpoint counter and reason (`vigil_http_refused_requests_total`,
    /// `vigil_upload_refused_requests_total`).
    func countRefusal(_ name: String, reason: String, help: String) {
        registry.makeCounter(name: name, labels: [("reason", reason)], help: help).increment()
    }

    /// The Prometheus text exposition (version 0.0.4) of every metric.
    public func render() -> String {
        copyReceiverMetrics()
        return registry.emitToString()
    }

    private func copyReceiverMetrics() {
        let m = receiver.metrics()
        let templates = receiver.shards.templateCounts
        copied.withLock { copied in
            func counter(_ name: String, _ help: String, _ labels: [(String, String)] = [], _ value: Int) {
                let key = name + labels.map { "|\($0.0)=\($0.1)" }.joined()
                let gain = value - copied[key, default: 0]
                let metric = labels.isEmpty
                    ? registry.makeCounter(name: name, help: help)
                    : registry.makeCounter(name: name, labels: labels, help: help)
                if gain > 0 {
                    metric.increment(by: Int64(gain))
                    copied[key] = value
                }
            }
            for transport in Transport.allCases {
                let label = [("transport", transport.rawValue)]
                counter("vigil_received_messages_total", "Messages received (parsed or not), by transport.", label, m.received[transport] ?? 0)
                counter("vigil_received_bytes_total", "Bytes of messages received, by transport.", label, m.receivedBytes[transport] ?? 0)
                counter("vigil_parse_errors_total", "Messages that did not parse or HTTP log entries refused (counted, never silently dropped).",
                        label, m.parseErrors[transport] ?? 0)
                counter("vigil_refused_connections_total",
                        "Connections (HTTP: requests) refused before reading anything: the sender is outside syslog.allow.",
                        label, m.refusedConnections[transport] ?? 0)
            }
            for (reason, value) in m.dropped.sorted(by: { $0.key < $1.key }) {
                counter("vigil_dropped_messages_total",
                        "Messages lost: shard_queue_full (UDP or HTTP while the shards are saturated), oversize_frame and framing_error (TCP, TLS), not_allowed (UDP from outside syslog.allow).",
                        [("reason", reason)], value)
            }
            counter("vigil_truncated_datagrams_total", "UDP datagrams longer than the maximum message size, delivered truncated.", [], m.truncatedDatagrams)
            counter("vigil_truncated_frames_total", "TCP streams that ended inside a frame (the partial frame is delivered).", [], m.truncatedFrames)
            counter("vigil_tcp_connections_accepted_total", "TCP connections accepted.", [], m.tcpConnectionsAccepted)
            counter("vigil_tcp_connections_rejected_total", "TCP connections refused at the connection limit.", [], m.tcpConnectionsRejected)
            counter("vigil_tls_connections_accepted_total", "TLS connections accepted (before the handshake).", [], m.tlsConnectionsAccepted)
            counter("vigil_tls_connections_rejected_total", "TLS connections refused at the connection limit.", [], m.tlsConnectionsRejected)
            counter("vigil_shard_processed_messages_total", "Messages counted by the shards.", [], m.shardProcessed)
            counter("vigil_templates_evicted_total",
                    "Message templates evicted (least recently seen) to stay within templates_per_service.", [],
                    templates.evicted)
            counter("vigil_services_overflowed_messages_total",
                    "Messages of services beyond the per-shard service limit, counted as \"(other services)\".", [], m.servicesOverflowedMessages)
        }
        registry.makeGauge(name: "vigil_tcp_connections", help: "Open TCP connections.").set(Int64(m.tcpConnections))
        registry.makeGauge(name: "vigil_tls_connections", help: "Open TLS connections (handshaking or established).").set(Int64(m.tlsConnections))
        registry.makeGauge(name: "vigil_shard_backlog", help: "Messages received but not yet counted by their shard (queue depth).")
            .set(Int64(m.shardBacklog))
        registry.makeGauge(name: "vigil_services", help: "Distinct services seen.").set(Int64(m.services))
        registry.makeGauge(name: "vigil_templates", help: "Message templates known, all services (mined in the shards).")
            .set(Int64(templates.known))
        for (index, bytes) in m.udpReceiveBufferBytes.enumerated() {
            registry.makeGauge(name: "vigil_udp_receive_buffer_bytes", labels: [("socket", "\(index)")],
                               help: "Receive buffer the kernel granted per UDP socket.").set(Int64(bytes))
        }
    }
}
