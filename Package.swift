// swift-tools-version:6.1
// Vigil reads as its data path: bytes → Syslog (framing, parsing) → … → the `vigil` executable,
// the composition root. Later modules (Ingest, Detect, Store, Analyze, API) slot in between.
import PackageDescription

let package = Package(
    name: "Vigil",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "vigil", targets: ["vigil"]),
        .library(name: "Syslog", targets: ["Syslog"]),
        .library(name: "Patterns", targets: ["Patterns"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // HMAC-SHA256 for webhook signatures (already in the graph through postgres-nio, which
        // allows 3.9 up to 6; 4.5.2 is what resolves).
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
    ],
    targets: [
        // RFC 5424 / RFC 3164 parsing and RFC 6587 framing over raw bytes. No dependencies, by design:
        // it is the hot path and the part every other module builds on.
        .target(name: "Syslog"),
        // Streaming template mining: message text → template with <*> for variable tokens. No
        // dependencies (not even Foundation): it runs in the receive path's shards.
        .target(name: "Patterns"),
        // JSON written straight into bytes, without Foundation: `vigil parse` lines and alert objects.
        .target(name: "JSONOutput"),
        // Per-service window counters, templates, baselines, rules (the receiver feeds the counters).
        .target(name: "Detect", dependencies: ["Syslog", "Patterns", "JSONOutput"]),
        // Baselines, cooldowns and alerts behind one protocol: SQLite (the embedded default) and PostgreSQL.
        .target(
            name: "Store",
            dependencies: [
                "Syslog",
                "Patterns",
                "Detect",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        // Several `vigil serve` on one PostgreSQL database detecting as one: membership, per-tick
        // count flushes, leadership by advisory lock, the leader's sums and one set of templates.
        .target(
            name: "Cluster",
            dependencies: [
                "Patterns", "Detect", "Store",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // The Linux calls Glibc hides from Swift (recvmmsg, sendmmsg, epoll), as swift-nio's CNIOLinux does.
        .target(name: "CVigilSockets"),
        // Raw-socket UDP and TCP listeners: frame, parse, shard by service into Detect's counters.
        .target(
            name: "Ingest",
            dependencies: ["Syslog", "Detect", "CVigilSockets", .product(name: "Logging", package: "swift-log")]
        ),
        // Syslog over TLS (RFC 5425) on SwiftNIO + swift-nio-ssl: client certificates, name checks,
        // certificate reload. Decrypted bytes go to Ingest's StreamIntake (the TCP path from framing on).
        .target(
            name: "SecureIngest",
            dependencies: [
                "Ingest",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // Root-cause analysis off the hot path: a bounded queue, the Claude Messages API client, and
        // the deterministic offline analyzer it falls back to. Results go to the store.
        .target(
            name: "Analyze",
            dependencies: [
                "Patterns",
                "Detect",
                "Store",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // The per-minute history: counted on detection's ticks, written once a minute, pruned
        // after the retention. The API reads it (with the minute still being counted).
        .target(
            name: "History",
            dependencies: [
                "Detect", "Store",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // The dashboard: hand-written HTML, CSS and JavaScript compiled into the binary (no Node,
        // nothing loaded from another origin). No dependencies: the API serves its assets.
        .target(
            name: "Dashboard",
            resources: [
                .embedInCode("Assets/index.html"),
                .embedInCode("Assets/app.css"),
                .embedInCode("Assets/app.js"),
                .embedInCode("Assets/charts.js"),
                .embedInCode("Assets/favicon.svg"),
            ]
        ),
        // Alerts reach people: the outbox's delivery worker, Alertmanager / webhook / Slack formats,
        // retries and leases. Off every hot path: detection and analysis only write outbox rows.
        .target(
            name: "Notify",
            dependencies: [
                "Detect",
                "Store",
                "Analyze",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // zlib, as the system has it: gzip request bodies (`Content-Encoding: gzip`) on /logs/ingest.
        .systemLibrary(name: "CVigilZlib", providers: [.apt(["zlib1g-dev"])]),
        // HTTP: JSON ingest into the shards, alerts, services, health and Prometheus metrics.
        .target(
            name: "API",
            dependencies: [
                "Syslog", "Ingest", "SecureIngest", "Detect", "Store", "History", "Dashboard", "CVigilZlib",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .executableTarget(
            name: "vigil",
            dependencies: [
                "Syslog",
                "Patterns",
                "JSONOutput",
                "Detect",
                "Store",
                "Ingest",
                "SecureIngest",
                "Analyze",
                "Cluster",
                "History",
                "Notify",
                "API",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        // Shared by the in-memory benchmarks: read a corpus, time a body.
        .target(name: "BenchmarkSupport", path: "benchmarks/BenchmarkSupport"),
        .executableTarget(
            name: "ParserBenchmark",
            dependencies: ["Syslog", "BenchmarkSupport"],
            path: "benchmarks/ParserBenchmark"
        ),
        .executableTarget(
            name: "TemplateBenchmark",
            dependencies: ["Patterns", "BenchmarkSupport"],
            path: "benchmarks/templates/TemplateBenchmark"
        ),
        .executableTarget(
            name: "ClusterBenchmark",
            dependencies: [
                "Cluster", "Store", "Detect",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "benchmarks/cluster/ClusterBenchmark"
        ),
        .executableTarget(
            name: "HistoryBenchmark",
            dependencies: [
                "Store", "Detect",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "benchmarks/history/HistoryBenchmark"
        ),
        .executableTarget(
            name: "DetectionBenchmark",
            dependencies: ["Detect"],
            path: "benchmarks/detection/DetectionBenchmark"
        ),
        .executableTarget(
            name: "OutboxBenchmark",
            dependencies: ["Detect", "Store", "Notify"],
            path: "benchmarks/notify/OutboxBenchmark"
        ),
        .testTarget(
            name: "SyslogTests",
            dependencies: [
                "Syslog",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(name: "PatternsTests", dependencies: ["Patterns"]),
        .testTarget(name: "JSONOutputTests", dependencies: ["JSONOutput"]),
        .testTarget(name: "DetectTests", dependencies: ["Detect", "Syslog"]),
        .testTarget(
            name: "StoreTests",
            dependencies: [
                "Store", "Detect",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .testTarget(
            name: "AnalyzeTests",
            dependencies: [
                "Analyze", "Detect", "Store",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
        .testTarget(
            name: "ClusterTests",
            dependencies: [
                "Cluster", "Store", "Detect", "Patterns",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .testTarget(
            name: "NotifyTests",
            dependencies: [
                "Notify", "Store", "Detect", "Analyze",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
        .testTarget(name: "IngestTests", dependencies: ["Ingest", "Detect", "Syslog"]),
        .testTarget(
            name: "HistoryTests",
            dependencies: [
                "History", "Store", "Detect",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "SecureIngestTests",
            dependencies: [
                "SecureIngest", "Ingest",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .testTarget(
            name: "APITests",
            dependencies: [
                "API", "Ingest", "Store", "Detect", "History", "Dashboard",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "vigilTests",
            dependencies: ["vigil", "Syslog", "Analyze", "Notify", "Store", "Detect"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
