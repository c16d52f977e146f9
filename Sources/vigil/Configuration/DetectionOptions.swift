import ArgumentParser
import Detect
import Foundation
import Store

/// The options `serve` and `analyze` share: the detection window and tick, and the database
/// that keeps baselines, cooldowns and alerts — so both commands judge and remember alike.
struct DetectionOptions: ParsableArguments {
    @Option(help: "Detection window in seconds.")
    var window: Int64 = 300

    @Option(help: "Detection tick in seconds: how often the trailing window is judged.")
    var tick: Int64 = 10

    @Option(help: "Database for baselines, cooldowns and alerts: sqlite:PATH or postgres://USER:PASS@HOST:PORT/DB; env DATABASE_URL. Default: sqlite:./data/vigil.db.")
    var database: String?

    func validate() throws {
        guard window > 0, tick > 0, window % tick == 0 else {
            throw ValidationError("--window and --tick must be positive and the window a whole number of ticks")
        }
        do {
            _ = try databaseURL()
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// `--database`, else `DATABASE_URL`, else the embedded default.
    func databaseURL() throws -> DatabaseURL {
        try DatabaseURL.resolve(argument: database, environment: ProcessInfo.processInfo.environment)
    }

    var configuration: DetectionConfiguration {
        var configuration = DetectionConfiguration()
        configuration.windowSeconds = window
        configuration.tickSeconds = tick
        return configuration
    }
}
