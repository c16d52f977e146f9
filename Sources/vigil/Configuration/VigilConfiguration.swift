import Detect
import Foundation

/// Everything `vigil serve` can be told, with the defaults `conf/vigil.toml` documents.
///
/// Layers, each over the one before: these defaults, the file (`--config PATH` or
/// `VIGIL_CONFIG`), the environment (`VIGIL_<SECTION>_<KEY>` for every key, and the customary
/// `DATABASE_URL`, `ANTHROPIC_API_KEY`, `ANTHROPIC_BASE_URL`), then command-line flags. Every
/// value is checked once, here; a bad one is a ``ConfigurationError`` naming the key and where
/// the value came from.
struct VigilConfiguration: Equatable, Sendable {
    struct Syslog: Equatable, Sendable {
        var udp = ["0.0.0.0:5514"]
        var tcp = ["0.0.0.0:5514"]
        /// 0: one per core.
        var udpThreads = 0
        var tcpThreads = 0
        var shards = 0
        var receiveBuffer = 32 << 20
        var maxMessageSize = 64 * 1024
        var maxConnections = 4096
        var idleTimeout = 600
        /// Empty: the system's zone.
        var timezone = ""
        /// Empty: no tap.
        var tap = ""
        /// Syslog over TLS (RFC 5425) addresses; empty: off. Needs `tlsCert` and `tlsKey`.
        var tls: [String] = []
        var tlsCert = ""
        var tlsKey = ""
        /// Non-empty: mutual TLS, client certificates must chain to this CA.
        var tlsClientCA = ""
        /// Client certificate names (CN or DNS SAN, `*.domain` wildcards) allowed; empty: any.
        var tlsAllowedNames: [String] = []
        /// Sender networks allowed on every transport; empty: everyone.
        var allow: [String] = []
        /// Rejected messages kept per receive thread for `GET /errors/recent`.
        var errorRing = 1000
    }

    struct API: Equatable, Sendable {
        var address = "127.0.0.1:8000"
        var token = ""
        var maxBodyBytes = 10 << 20
        /// HTTPS for the API when both are set.
        var tlsCert = ""
        var tlsKey = ""
        /// `POST /upload` accepts it as `?token=` (systemd-journal-upload sends no bearer token).
        var uploadToken = ""
        /// How others reach this API (links in notifications). Empty: `http://` and the address.
        var publicURL = ""
    }

    struct Log: Equatable, Sendable {
        /// `auto` (JSON unless standard error is a terminal), `json` or `text`.
        var format = "auto"
        var level = "info"
    }

    struct Detection: Equatable, Sendable {
        /// Trailing windows judged on every tick, each with baselines of its own (seconds).
        var windows: [Int64] = [60, 300]
        var tick: Int64 = 5
        var cooldown: Int64 = 900
        var emaAlpha = 0.2
        var minimumWindows = 1
        var minErrors = 6
        var minVolume = 200
        var minBaselineWindows = 3
        var minServiceMessages = 5
        /// Alerts within this many seconds of an incident's latest alert join it.
        var correlationWindow: Int64 = 120
        /// Ticks in a row without the rule matching (on any window) that resolve an alert.
        var resolveAfter = 3
        var errorSpikeFactor = 5.0
        var errorSpikeFloor = 0.05
        var errorSpikeSignificance = 2e-7
        var highSeverityErrorRate = 0.20
        var volumeSpikeFactor = 3.0
        var serviceChangeDelta = 3.0
        var maximumSamples = 10
        var newPatternMinimum = 5
        var patternRediscovery: Int64 = 7 * 86_400
        var templatesPerService = 1000
        /// Which received messages the shards mine for templates: "all" (the default: every
        /// message, so info templates are in alerts' samples too), "errors" (severity ≤ 4,
        /// warnings included) or "off".
        var mineTemplates = "all"
    }

    /// Claude analysis (the Analyze module takes it as an `AnalyzerConfiguration`).
    struct Analysis: Equatable, Sendable {
        var apiKey = ""
        var baseURL = "https://api.anthropic.com"
        var model = "claude-sonnet-4-20250514"
        var maxTokens = 1500
        var temperature = 0.2
        var requestTimeout = 30.0
        var connectTimeout = 10.0
        var maxRetries = 3
        var queueCapacity = 100
        var concurrency = 2
    }

    /// Several `vigil serve` on one PostgreSQL database (ignored with SQLite).
    struct Cluster: Equatable, Sendable {
        /// Unique among the live instances. Empty: the host name and the HTTP API's port.
        var instanceName = ""
        /// Seconds without a flush after which an instance is dropped from the sum (at least two
        /// ticks; when left at the default with a long tick, three ticks).
        var memberTimeout: Int64 = 30
        /// Seconds of per-tick counts kept in the database (at least a window and two ticks).
        var retention: Int64 = 900
    }

    /// The per-minute history behind the dashboard's charts.
    struct History: Equatable, Sendable {
        /// Seconds a minute is kept before it is pruned.
        var retention: Int64 = 7 * 86_400
    }

    /// Where alerts are pushed (see the Notify module): targets, per-kind filters, retries.
    struct Notify: Equatable, Sendable {
        var alertmanager: [String] = []
        var webhooks: [String] = []
        var slack: [String] = []
        var webhookSecret = ""
        /// Empty: the host name.
        var instance = ""
        /// Per kind: the lowest severity sent, and the categories sent (empty: all).
        var alertmanagerMinSeverity = "low"
        var alertmanagerCategories: [String] = []
        var webhookMinSeverity = "low"
        var webhookCategories: [String] = []
        var slackMinSeverity = "low"
        var slackCategories: [String] = []
        var alertmanagerResolveAfter: Int64 = 1800
        var alertmanagerResend: Int64 = 60
        var maxAge: Int64 = 86_400
        var timeout = 10.0
        var concurrency = 4
        var backoffInitial = 1.0
        var backoffMax = 300.0
        var retention: Int64 = 7 * 86_400
    }

    struct Shutdown: Equatable, Sendable {
        /// Seconds the whole shutdown (drain, final tick, flush) may take before the rest is abandoned.
        var timeout = 8.0
    }

    var syslog = Syslog()
    var api = API()
    var database = "sqlite:./data/vigil.db"
    var log = Log()
    var detection = Detection()
    var analysis = Analysis()
    var cluster = Cluster()
    var history = History()
    var notify = Notify()
    var shutdown = Shutdown()

    /// Where each key's value came from (`conf/vigil.toml line 12`, `VIGIL_API_TOKEN`, `--http`),
    /// for error messages. Not part of equality.
    var sources: [String: String] = [:]

    static func == (a: Self, b: Self) -> Bool {
        a.syslog == b.syslog && a.api == b.api && a.database == b.database && a.log == b.log
            && a.detection == b.detection && a.analysis == b.analysis && a.cluster == b.cluster
            && a.history == b.history && a.notify == b.notify && a.shutdown == b.shutdown
    }
}

struct ConfigurationError: Error, CustomStringConvertible {
    var key: String
    var reason: String
    var source: String?

    var description: String {
        "invalid configuration: \(key): \(reason)" + (source.map { " (from \($0))" } ?? "")
    }
}
