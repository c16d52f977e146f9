import Ingest

/// The receiver's counters in the Prometheus text exposition format (version 0.0.4).
enum PrometheusText {
    static func render(_ m: IngestMetrics) -> String {
        var out = ""
        func family(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: Int)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for sample in samples {
                out += sample.labels.isEmpty ? "\(name) \(sample.value)\n" : "\(name){\(sample.labels)} \(sample.value)\n"
            }
        }
        let transports = Transport.allCases
        family("vigil_received_messages_total", "counter", "Syslog messages received (parsed or not).",
               transports.map { (#"transport="\#($0.rawValue)""#, m.received[$0] ?? 0) })
        family("vigil_received_bytes_total", "counter", "Bytes of syslog messages received.",
               transports.map { (#"transport="\#($0.rawValue)""#, m.receivedBytes[$0] ?? 0) })
        family("vigil_parse_errors_total", "counter", "Messages that did not parse (counted, kept raw).",
               transports.map { (#"transport="\#($0.rawValue)""#, m.parseErrors[$0] ?? 0) })
        family("vigil_dropped_messages_total", "counter",
               "Messages lost: shard_queue_full (UDP, shards saturated), oversize_frame and framing_error (TCP).",
               m.dropped.sorted { $0.key < $1.key }.map { (#"reason="\#($0.key)""#, $0.value) })
        family("vigil_truncated_datagrams_total", "counter", "UDP datagrams longer than the maximum message size, delivered truncated.",
               [("", m.truncatedDatagrams)])
        family("vigil_truncated_frames_total", "counter", "TCP streams that ended inside a frame (the partial frame is delivered).",
               [("", m.truncatedFrames)])
        family("vigil_tcp_connections", "gauge", "Open TCP connections.", [("", m.tcpConnections)])
        family("vigil_tcp_connections_accepted_total", "counter", "TCP connections accepted.", [("", m.tcpConnectionsAccepted)])
        family("vigil_tcp_connections_rejected_total", "counter", "TCP connections refused at the connection limit.",
               [("", m.tcpConnectionsRejected)])
        family("vigil_shard_backlog", "gauge", "Messages received but not yet counted by their shard.", [("", m.shardBacklog)])
        family("vigil_shard_processed_messages_total", "counter", "Messages counted by the shards.", [("", m.shardProcessed)])
        family("vigil_services", "gauge", "Distinct services seen.", [("", m.services)])
        family("vigil_services_overflowed_messages_total", "counter",
               "Messages of services beyond the per-shard service limit, counted as \"(other services)\".",
               [("", m.servicesOverflowedMessages)])
        family("vigil_udp_receive_buffer_bytes", "gauge", "Receive buffer the kernel granted per UDP socket.",
               m.udpReceiveBufferBytes.enumerated().map { (#"socket="\#($0.offset)""#, $0.element) })
        return out
    }
}
