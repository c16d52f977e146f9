import Foundation
import Logging
import Analyze
import Testing
@testable import vigil

@Suite struct ConfigurationTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let shippedFile = repository.appendingPathComponent("conf/vigil.toml").path

    @Test func shippedFileSetsEveryKeyToItsDefault() throws {
        let text = try String(contentsOfFile: Self.shippedFile, encoding: .utf8)
        let table = try TOMLSubset.parse(text)
        // Every key documented, nothing undocumented…
        #expect(Set(table.keys) == Set(VigilConfiguration.keys.map(\.name)))
        // …and each with the built-in default.
        #expect(try VigilConfiguration.load(path: Self.shippedFile, environment: [:]) == VigilConfiguration())
    }

    @Test func environmentOverridesTheFileAndFlagsOverrideTheEnvironment() throws {
        let file = try temporaryFile("""
            [api]
            address = "127.0.0.1:9000"
            [detection]
            windows = [60, 600]
            tick = 20
            [syslog]
            udp = [
              "127.0.0.1:1514",  # two lines
              "[::1]:1514",
            ]
            """)
        var configuration = try VigilConfiguration.load(path: file, environment: [
            "VIGIL_DETECTION_WINDOWS": "120, 1200",
            "VIGIL_DETECTION_MIN_ERRORS": "7",
            "VIGIL_API_TOKEN": "t0ken",
            "DATABASE_URL": "sqlite:/tmp/a.db",
            "VIGIL_SYSLOG_TCP": "127.0.0.1:1601, 127.0.0.1:1602",
            "ANTHROPIC_API_KEY": "sk-test",
        ])
        #expect(configuration.api.address == "127.0.0.1:9000")
        #expect(configuration.detection.windows == [120, 1200])
        #expect(configuration.detection.minErrors == 7)
        #expect(configuration.detection.tick == 20)
        #expect(configuration.api.token == "t0ken")
        #expect(configuration.database == "sqlite:/tmp/a.db")
        #expect(configuration.syslog.udp == ["127.0.0.1:1514", "[::1]:1514"])
        #expect(configuration.syslog.tcp == ["127.0.0.1:1601", "127.0.0.1:1602"])
        #expect(AnalyzerConfiguration(configuration.analysis).apiKey == "sk-test")
        try configuration.apply(flag: "--window", key: "detection.windows", .array([.integer(60)]))
        #expect(configuration.detection.windows == [60])
        try configuration.validate()
        #expect(configuration.detectionConfiguration.windows == [60])
        #expect(configuration.detectionConfiguration.minimumErrors == 7)
        #expect(configuration.detectionConfiguration.tickSeconds == 20)
    }

    @Test func anthropicVariablesFillTheAnalysisSection() throws {
        let configuration = try VigilConfiguration.load(path: nil, environment: [
            "ANTHROPIC_API_KEY": "k", "ANTHROPIC_BASE_URL": "http://127.0.0.1:9/", "ANTHROPIC_MODEL": "claude-x",
            "ANTHROPIC_TIMEOUT": "2.5", "ANTHROPIC_CONNECT_TIMEOUT": "1", "ANTHROPIC_MAX_RETRIES": "0",
            "VIGIL_ANALYSIS_QUEUE_CAPACITY": "8", "VIGIL_ANALYSIS_CONCURRENCY": "3", "UNRELATED": "x",
        ])
        try configuration.validate()
        let analyzer = AnalyzerConfiguration(configuration.analysis)
        #expect(analyzer.usesClaude)
        #expect(analyzer.messagesURL == "http://127.0.0.1:9/v1/messages")
        #expect(analyzer.model == "claude-x")
        #expect(analyzer.totalTimeout == .milliseconds(2500))
        #expect(analyzer.connectTimeout == .seconds(1))
        #expect(analyzer.maxRetries == 0)
        #expect(analyzer.queueCapacity == 8)
        #expect(analyzer.concurrency == 3)
        #expect(!AnalyzerConfiguration(VigilConfiguration().analysis).usesClaude)
    }

    @Test func vigilVariablesWinOverCustomaryOnes() throws {
        let configuration = try VigilConfiguration.load(path: nil, environment: [
            "DATABASE_URL": "sqlite:/tmp/a.db", "VIGIL_DATABASE_URL": "sqlite:/tmp/b.db",
        ])
        #expect(configuration.database == "sqlite:/tmp/b.db")
    }

    @Test(arguments: [
        ("[detection]\nwindows = [0]\n", [String: String](), "detection.windows", "line 2"),
        ("[detection]\nwindw = 3\n", [:], "detection.windw", "unknown key"),
        ("[detection]\nwindow = 300\n", [:], "detection.window", "unknown key"),
        ("[detection]\nwindows = 300\n", [:], "detection.windows", "non-empty array of integers"),
        ("[detection]\nwindows = []\n", [:], "detection.windows", "non-empty array of integers"),
        ("[detection]\nwindows = [60, \"300\"]\n", [:], "detection.windows", "non-empty array of integers"),
        ("[detection]\nwindows = [60, 303]\n", [:], "detection.windows", "whole number of ticks"),
        ("", ["VIGIL_DETECTION_WINDOWS": "60,x"], "detection.windows", "VIGIL_DETECTION_WINDOWS"),
        ("[detection]\nmin_errors = 0\n", [:], "detection.min_errors", "from 1"),
        ("[detection]\nresolve_after = 0\n", [:], "detection.resolve_after", "from 1"),
        ("[api]\naddress = \"localhost\"\n", [:], "api.address", "invalid address"),
        ("[log]\nlevel = \"loud\"\n", [:], "log.level", "must be one of"),
        ("[database]\nurl = \"mysql://x\"\n", [:], "database.url", "invalid database URL"),
        ("", ["VIGIL_DETECTION_TICK": "ten"], "detection.tick", "VIGIL_DETECTION_TICK"),
        ("", ["VIGIL_ANALYSIS_TEMPERATURE": "3"], "analysis.temperature", "from 0.0 to 1.0"),
        ("[detection]\ntick = 10\ntick = 10\n", [:], "config", "given twice"),
        ("tick = 10\n", [:], "config", "outside a [section]"),
        ("[api]\ntoken = \"unterminated\n", [:], "config", "unterminated string"),
        ("[syslog]\nallow = [\"10.0.0.1/8\"]\n", [:], "syslog.allow", "10.0.0.0/8"),
        ("", ["VIGIL_SYSLOG_ALLOW": "10.0.0.0/8,example.net"], "syslog.allow", "VIGIL_SYSLOG_ALLOW"),
        ("[syslog]\ntls = [\"0.0.0.0:6514\"]\n", [:], "syslog.tls_cert", "required when syslog.tls is set"),
        ("[syslog]\ntls = [\"0.0.0.0\"]\n", [:], "syslog.tls", "invalid address"),
        ("[syslog]\ntls_allowed_names = [\"*.example.net\"]\n", [:], "syslog.tls_allowed_names", "needs syslog.tls_client_ca"),
        ("[syslog]\ntls_cert = \"/nonexistent/cert.pem\"\n", [:], "syslog.tls_cert", "cannot read"),
        ("[api]\ntls_cert = \"/etc/hostname\"\n", [:], "api.tls_key", "go together"),
        ("[syslog]\nerror_ring = -1\n", [:], "syslog.error_ring", "must be from 0"),
    ])
    func badValuesNameTheKeyAndWhereTheyCameFrom(text: String, environment: [String: String], key: String, mention: String) throws {
        let file = try temporaryFile(text)
        do {
            try VigilConfiguration.load(path: file, environment: environment).validate()
            Issue.record("accepted \(text) \(environment)")
        } catch {
            #expect(error.key == key)
            #expect(error.description.hasPrefix("invalid configuration: \(key): "))
            #expect(error.description.contains(mention), "\(error.description)")
        }
    }

    @Test func aMissingFileIsAnError() {
        #expect(throws: ConfigurationError.self) { try VigilConfiguration.load(path: "/nonexistent/vigil.toml", environment: [:]) }
    }

    @Test func tomlSubsetReadsTheValueKinds() throws {
        let table = try TOMLSubset.parse(#"""
            [a]
            s = "x \"y\" \\ \u00e9 # not a comment"  # a comment
            l = 'C:\path'
            i = -1_000
            f = 2.5e-1
            b = true
            e = []
            """#)
        #expect(table["a.s"]?.value == .string(#"x "y" \ é # not a comment"#))
        #expect(table["a.l"]?.value == .string(#"C:\path"#))
        #expect(table["a.i"]?.value == .integer(-1000))
        #expect(table["a.f"]?.value == .float(0.25))
        #expect(table["a.b"]?.value == .boolean(true))
        #expect(table["a.e"]?.value == .array([]))
    }

    @Test func jsonLogLinesAreOneObjectEachWithTimeLevelMessageAndMetadata() throws {
        let path = try temporaryFile("")
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        var handler = JSONLogHandler(label: "vigil", output: JSONLogOutput(handle))
        handler.metadata["pid"] = "42"
        var logger = Logger(label: "vigil", factory: { _ in handler })
        logger.logLevel = .debug
        logger.info("listening", metadata: ["address": "127.0.0.1:5514", "ports": ["1", "2"]])
        logger.debug("line\nbreak")
        logger.trace("not shown")
        try handle.close()
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(first["level"] as? String == "info")
        #expect(first["message"] as? String == "listening")
        #expect(first["label"] as? String == "vigil")
        #expect((first["time"] as? String)?.hasSuffix("Z") == true)
        let metadata = try #require(first["metadata"] as? [String: Any])
        #expect(metadata["address"] as? String == "127.0.0.1:5514")
        #expect(metadata["pid"] as? String == "42")
        #expect(metadata["ports"] as? [String] == ["1", "2"])
        let second = try #require(try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])
        #expect(second["message"] as? String == "line\nbreak")
    }

    func temporaryFile(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "vigil-config-\(UUID().uuidString).toml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
