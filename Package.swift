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
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
    ],
    targets: [
        // RFC 5424 / RFC 3164 parsing and RFC 6587 framing over raw bytes. No dependencies, by design:
        // it is the hot path and the part every other module builds on.
        .target(name: "Syslog"),
        .executableTarget(
            name: "vigil",
            dependencies: [
                "Syslog",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "ParserBenchmark",
            dependencies: ["Syslog"],
            path: "benchmarks/ParserBenchmark"
        ),
        .testTarget(
            name: "SyslogTests",
            dependencies: [
                "Syslog",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "vigilTests",
            dependencies: ["vigil", "Syslog"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
