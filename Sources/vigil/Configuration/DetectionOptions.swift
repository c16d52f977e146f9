import ArgumentParser
import Detect
import Foundation
import Store

/// The options `serve` and `analyze` share: the configuration file, the detection window and
/// tick, and the database that keeps baselines, cooldowns and alerts — so both commands judge
/// and remember alike. Flags win over the environment, which wins over the file (see
/// ``VigilConfiguration``).
struct DetectionOptions: ParsableArguments {
    @Option(help: "Configuration file (TOML, see conf/vigil.toml); env VIGIL_CONFIG. Default: none, built-in defaults.")
    var config: String?

    @Option(name: .customLong("window"), help: "One detection window of this many seconds (detection.windows = [N]; default: windows of 60 and 300 s).")
    var windowFlag: Int64?

    @Option(name: .customLong("tick"), help: "Detection tick in seconds: how often the trailing windows are judged (detection.tick, default 5).")
    var tickFlag: Int64?

    @Option(help: "Database for baselines, cooldowns and alerts: sqlite:PATH or postgres://USER:PASS@HOST:PORT/DB; env DATABASE_URL. Default: sqlite:./data/vigil.db.")
    var database: String?

    /// An invalid configuration is one message naming the key, and exit status 2.
    func validate() throws {
        do {
            _ = try resolved()
        } catch {
            FileHandle.standardError.write(Data("vigil: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }

    /// Defaults ← file ← environment ← these flags, checked.
    func resolved(environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigurationError) -> VigilConfiguration {
        var configuration = try VigilConfiguration.load(path: config ?? environment["VIGIL_CONFIG"], environment: environment)
        if let windowFlag { try configuration.apply(flag: "--window", key: "detection.windows", .array([.integer(windowFlag)])) }
        if let tickFlag { try configuration.apply(flag: "--tick", key: "detection.tick", .integer(tickFlag)) }
        if let database { try configuration.apply(flag: "--database", key: "database.url", .string(database)) }
        try configuration.validate()
        return configuration
    }
}

extension DetectionOptions {
    /// The flags that give `config` and `database`, for commands that take only those two of
    /// the shared options (`vigil alerts`, `vigil notify`) and resolve them the same way.
    static func arguments(config: String?, database: String? = nil) -> [String] {
        (config.map { ["--config", $0] } ?? []) + (database.map { ["--database", $0] } ?? [])
    }

    /// Runs `resolve` in a command's `validate()`: an invalid configuration is one line on
    /// standard error and exit status 2, as for `serve`.
    static func check(_ resolve: () throws -> VigilConfiguration) throws {
        do {
            _ = try resolve()
        } catch {
            FileHandle.standardError.write(Data("vigil: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}
