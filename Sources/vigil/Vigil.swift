import ArgumentParser

/// The `vigil` executable: the composition root that wires the modules together and owns the
/// configuration. Subcommands are added as the modules they drive land (`serve`, `analyze`, …).
@main
struct Vigil: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigil",
        abstract: "Syslog receiver with per-service statistics, anomaly detection and root-cause analysis.",
        subcommands: [ServeCommand.self, AnalyzeCommand.self, AlertsCommand.self, NotifyCommand.self, ParseCommand.self, TemplatesCommand.self]
    )
}
