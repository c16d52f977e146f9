import ArgumentParser
import Foundation
import Notify
import Store

/// `vigil notify --test`: sends one clearly marked test message to every target `[notify]`
/// configures (Alertmanager, webhooks, Slack) — directly, not through the outbox, whatever the
/// filters — and prints each target's result. Exit status 1 when any target failed (or none is
/// configured), so it can gate a deployment.
struct NotifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notify",
        abstract: "Send a test notification to every configured target and print each result.",
        discussion: """
            Targets come from the [notify] section (notify.alertmanager, notify.webhooks, notify.slack) \
            of the configuration file, or VIGIL_NOTIFY_* variables. One line per target: result, kind, \
            URL (secrets masked), HTTP status, latency, and the error when it failed.
            """
    )

    @Flag(name: .customLong("test"), help: "Send the test notification (the only action so far).")
    var test = false

    @Option(help: "Configuration file (TOML, see conf/vigil.toml); env VIGIL_CONFIG. Default: none, built-in defaults.")
    var config: String?

    func validate() throws {
        guard test else { throw ValidationError("say what to do: --test sends a test notification to every target") }
        try DetectionOptions.check(resolved)
    }

    func resolved() throws -> VigilConfiguration {
        try DetectionOptions.parse(DetectionOptions.arguments(config: config)).resolved()
    }

    func run() async throws {
        let notify = try resolved().notifyConfiguration
        guard !notify.targets.isEmpty else {
            FileHandle.standardError.write(Data(
                "vigil notify: no targets configured (set notify.alertmanager, notify.webhooks or notify.slack)\n".utf8))
            throw ExitCode.failure
        }
        let transport = HTTPTransport(connectTimeout: min(notify.timeout, .seconds(10)), logger: .init(label: "vigil.notify"))
        let results = await TestNotification.send(configuration: notify, transport: transport)
        await transport.shutdown()
        var output = ""
        for result in results {
            let milliseconds = Int((Double(result.latency.components.seconds) * 1000 + Double(result.latency.components.attoseconds) / 1e15).rounded())
            output += [
                result.succeeded ? "ok" : "FAILED",
                result.target.kind.rawValue,
                result.target.redactedURL,
                result.status.map { "status=\($0)" } ?? "status=none",
                "latency=\(milliseconds)ms",
            ].joined(separator: "  ")
            output += result.error.map { "  error=\($0)" } ?? ""
            output += "\n"
        }
        StandardOutput.write(Array(output.utf8))
        if results.contains(where: { !$0.succeeded }) { throw ExitCode.failure }
    }
}
