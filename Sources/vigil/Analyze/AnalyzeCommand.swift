import Analyze
import ArgumentParser
import Detect
import Foundation
import Store
import Syslog
import Synchronization

/// `vigil analyze FILE...`: replays syslog files through the same detection code the receiver
/// uses, with the messages' own timestamps as the clock, and prints each alert as a JSON line.
///
/// Baselines, cooldowns, alerts and incidents live in the database (`--database`,
/// `DATABASE_URL`, default `sqlite:./data/vigil.db`): a run starts from the baselines the previous
/// run saved, the cooldown is the database's atomic one (so a cooldown begun in one run holds in
/// the next), and a run resolves the previous run's alerts whose rule no longer matches.
///
/// Each admitted alert joins its incident and is stored "pending"; the alert's resolution, when
/// its rule stops matching within the same file, is recorded too. Then it is queued for analysis
/// (Claude with `ANTHROPIC_API_KEY`, the offline analyzer without) and printed once its analysis
/// is recorded, with `incident_id`, `window_seconds` and `resolved_at`. At the end the command
/// waits up to `--analysis-timeout` for the analyses still running; those that did not finish get
/// the offline summary, so every printed alert is final.
struct AnalyzeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Replay syslog files (line framed, RFC 5424/3164) through anomaly detection and print alerts as JSON lines."
    )

    @Argument(help: "Files to replay, in order (\"-\" is standard input).")
    var files: [String] = []

    @OptionGroup var detection: DetectionOptions

    @Option(help: "Time zone of timestamps written without an offset (RFC 3164). Default: the system's.")
    var timezone: String?

    @Option(name: .customLong("reference-time"), help: "The \"now\" from which RFC 3164 years are inferred (RFC 3339). Default: the current time.")
    var referenceTime: String?

    @Option(
        name: .customLong("analysis-timeout"),
        help: "Seconds to wait at the end for analyses still running; the rest get the offline summary."
    )
    var analysisTimeout: Double = 60

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("name at least one file to replay (\"-\" for standard input)") }
        guard analysisTimeout.isFinite, analysisTimeout >= 0, analysisTimeout <= 86_400 else {
            throw ValidationError("--analysis-timeout must be from 0 to 86400 seconds")
        }
        if let referenceTime, SyslogTimestamp(iso8601: referenceTime) == nil {
            throw ValidationError("--reference-time must be an RFC 3339 date-time, e.g. 2024-05-14T09:00:00Z")
        }
    }

    func run() async throws {
        // Resolved once (file, environment, flags): `validate()` has refused a bad one.
        let settings = try detection.resolved()
        let store: any VigilStore
        do {
            store = try await DatabaseURL(parsing: settings.database).openStore()
        } catch {
            FileHandle.standardError.write(Data("vigil analyze: cannot open the database: \(error)\n".utf8))
            throw ExitCode.failure
        }
        let printer = AlertPrinter()
        let analysis = AnalysisQueue.make(
            configuration: AnalyzerConfiguration(settings.analysis),
            store: store,
            onFinished: { printer.print($0) }
        )
        let analysing = Task { await analysis.run() }
        let configuration = settings.detectionConfiguration
        let baselines = try await store.loadBaselines(windows: configuration.windows)
        // As live: the in-memory cooldown spares the database a refusal per tick, and the store's
        // atomic one stays the authority (across runs and processes).
        var detector = Detector(
            configuration: configuration, cooldown: InMemoryCooldown(cooldownSeconds: configuration.cooldownSeconds),
            baselines: baselines)
        detector.trackUnresolved(try await store.unresolvedAlertKeys())
        let reference = referenceTime.flatMap { SyslogTimestamp(iso8601: $0) }?.secondsSinceEpoch ?? SyslogParser.currentTime()
        let zone = try LocalTimeZone.named(timezone, around: Date(timeIntervalSince1970: TimeInterval(reference)))
        var replay = Replay(
            detector: detector, parser: SyslogParser(timeZone: zone, referenceTime: reference),
            lifecycle: AlertLifecycle(
                store: store, cooldownSeconds: configuration.cooldownSeconds, correlationSeconds: configuration.correlationSeconds))
        // Templates a previous run saved keep their ids and are not taken for new ones.
        replay.detector.templates.restore(try await store.loadTemplates())
        var reader = FileChunkReader()
        do {
            for path in files {
                var decoder = SyslogFrameDecoder(mode: .nonTransparent)
                do {
                    try reader.forEachChunk(of: path) { chunk in
                        decoder.decode(chunk) { replay.handle($0) }
                        replay.reportProgressIfDue()
                    }
                } catch {
                    FileHandle.standardError.write(Data("vigil analyze: \(error)\n".utf8))
                    throw ExitCode.failure
                }
                decoder.finish { replay.handle($0) }
                try await replay.settle(analysis: analysis)
            }
            replay.finish()
            try await replay.settle(analysis: analysis)
            try await store.saveBaselines(replay.detector.baselines)
            try await store.saveTemplates(replay.detector.templates.persistentTemplates)
        } catch {
            analysis.shutdown(reason: "vigil analyze failed before the analysis finished")
            await analysing.value
            try? await store.close()
            throw error
        }
        replay.reportProgress(final: true)  // the replay's own rate, before the wait for analyses
        await finishAnalysis(analysis, running: analysing)
        try await store.close()
        printer.report()
    }

    /// Waits (bounded) for the analyses still running, then stops the queue: what did not
    /// finish gets the offline summary, recorded and printed before the store closes.
    private func finishAnalysis(_ analysis: AnalysisQueue, running: Task<Void, Never>) async {
        let timeout = Duration.milliseconds(Int64((analysisTimeout * 1000).rounded()))
        if await !analysis.waitUntilIdle(timeout: timeout) {
            FileHandle.standardError.write(Data(
                "vigil analyze: analyses still running after --analysis-timeout \(analysisTimeout) s: offline summaries instead\n".utf8
            ))
        }
        analysis.shutdown(reason: "no analysis within --analysis-timeout (\(analysisTimeout) s): offline summary instead")
        await running.value
    }
}

/// Prints each alert as one JSON line once its analysis is final, one writer at a time (the
/// analysis workers call it concurrently), and counts the analyses by source.
final class AlertPrinter: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    func print(_ alert: Alert) {
        counts.withLock { counts in
            counts[alert.analysisSource, default: 0] += 1
            StandardOutput.write(Array((alert.json + "\n").utf8))
        }
    }

    /// "vigil analyze: analysis: 1 claude, 2 offline" on standard error.
    func report() {
        let counts = counts.withLock { $0 }
        guard !counts.isEmpty else { return }
        let parts = counts.keys.sorted().map { "\(counts[$0] ?? 0) \($0)" }
        FileHandle.standardError.write(Data("vigil analyze: analysis: \(parts.joined(separator: ", "))\n".utf8))
    }
}

/// The state of one replay: detector, parser, counts, output.
struct Replay {
    var detector: Detector
    let parser: SyslogParser
    let lifecycle: AlertLifecycle
    private var lines = 0
    private var unparsed = 0
    private var undated = 0
    private var alerts = 0
    private var resolved = 0
    /// What the detector produced (alerts proposed, resolutions), in order, waiting for the store.
    private var proposed = DetectionOutput()
    private var lastTimestamp: Int64?
    private let started = ContinuousClock.now
    private var lastProgress = ContinuousClock.now

    init(detector: Detector, parser: SyslogParser, lifecycle: AlertLifecycle) {
        self.detector = detector
        self.parser = parser
        self.lifecycle = lifecycle
    }

    mutating func handle(_ event: SyslogFrameDecoder.Event) {
        guard case .frame(let frame) = event else { return }
        lines += 1
        guard let message = try? parser.parse(frame) else {
            unparsed += 1
            return
        }
        // The clock is the messages' own time; a message without one takes its predecessor's.
        guard let timestamp = message.timestamp?.nanosecondsSinceEpoch ?? lastTimestamp else {
            undated += 1
            return
        }
        lastTimestamp = max(lastTimestamp ?? timestamp, timestamp)
        let severity = message.priority.severity
        // Only error-level text is kept as samples: making a String of every message would cost more than detecting.
        let text = severity <= 3 ? message.message : nil
        emit(detector.record(
            service: message.service ?? "", severity: severity, atNanoseconds: timestamp, text: text,
            message: message.view(message.messageRange)))
    }

    /// Judges the last ticks after the final message.
    mutating func finish() {
        if let lastTimestamp { emit(detector.advance(toNanoseconds: lastTimestamp + detector.configuration.tickSeconds * 1_000_000_000)) }
    }

    private mutating func emit(_ new: DetectionOutput) {
        proposed.append(new)
    }

    /// Applies what the detector produced, in order: each proposed alert through the store's
    /// cooldown, its incident and its row ("pending"); each resolution to the store (resolving
    /// this run's alerts and earlier runs'). Then queues this part's stored alerts — with their
    /// resolutions — for analysis, which prints them when done.
    mutating func settle(analysis: AnalysisQueue) async throws {
        var stored: [Alert] = []
        for event in proposed.events {
            switch event {
            case .alert(let alert):
                var progress = AlertLifecycle.Progress()
                guard let alert = try await lifecycle.store(alert, progress: &progress) else { continue }
                stored.append(alert)
                alerts += 1
            case .resolution(let resolution):
                let ids = Set(try await lifecycle.store.resolveAlerts(resolution.key, at: resolution.resolvedAt))
                resolved += ids.count
                for index in stored.indices where ids.contains(stored[index].anomalyID) {
                    stored[index].resolvedAt = resolution.resolvedAt
                }
            }
        }
        proposed = DetectionOutput()
        for alert in stored { analysis.submit(alert) }
    }

    mutating func reportProgressIfDue() {
        if lastProgress.duration(to: .now) >= .seconds(1) { reportProgress(final: false) }
    }

    mutating func reportProgress(final: Bool) {
        lastProgress = .now
        let seconds = max(1e-9, started.duration(to: .now).inSeconds)
        var line = "vigil analyze: \(lines) lines, \(Int(Double(lines) / seconds)) lines/s, \(alerts) alerts, \(resolved) resolved"
        if unparsed > 0 { line += ", \(unparsed) unparsable" }
        if undated > 0 { line += ", \(undated) without a timestamp before the first dated one (skipped)" }
        FileHandle.standardError.write(Data((line + (final ? " — done\n" : "\n")).utf8))
    }
}
