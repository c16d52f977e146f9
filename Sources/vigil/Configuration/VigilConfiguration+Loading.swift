import Cluster
import Detect
import Foundation
import Ingest
import Logging
import Notify
import SecureIngest
import Store
import Syslog

extension VigilConfiguration {
    /// Defaults, then the file at `path` (when given), then the environment.
    static func load(path: String?, environment: [String: String]) throws(ConfigurationError) -> VigilConfiguration {
        var configuration = VigilConfiguration()
        if let path {
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw ConfigurationError(key: "config", reason: "cannot read '\(path)': \(error.localizedDescription)")
            }
            try configuration.apply(toml: text, file: path)
        }
        try configuration.apply(environment: environment)
        return configuration
    }

    mutating func apply(toml text: String, file: String) throws(ConfigurationError) {
        let table: [String: (value: TOMLSubset.Value, line: Int)]
        do {
            table = try TOMLSubset.parse(text)
        } catch {
            throw ConfigurationError(key: "config", reason: "\(file) \(error.description)")
        }
        for (name, entry) in table.sorted(by: { $0.value.line < $1.value.line }) {
            guard let key = Self.keys.first(where: { $0.name == name }) else {
                throw ConfigurationError(key: name, reason: "unknown key", source: "\(file) line \(entry.line)")
            }
            try set(key, entry.value, source: "\(file) line \(entry.line)")
        }
    }

    mutating func apply(environment: [String: String]) throws(ConfigurationError) {
        for alias in Self.environmentAliases {
            guard let text = environment[alias.variable], !text.isEmpty,
                  let key = Self.keys.first(where: { $0.name == alias.key }) else { continue }
            try set(key, key.value(fromEnvironment: text), source: alias.variable)
        }
        for key in Self.keys {
            guard let text = environment[key.environmentName] else { continue }
            do {
                try set(key, key.value(fromEnvironment: text), source: key.environmentName)
            } catch {
                throw ConfigurationError(key: key.name, reason: error.reason, source: key.environmentName)
            }
        }
    }

    /// A command-line flag's value for `name`.
    mutating func apply(flag: String, key name: String, _ value: TOMLSubset.Value) throws(ConfigurationError) {
        guard let key = Self.keys.first(where: { $0.name == name }) else { return }
        try set(key, value, source: flag)
    }

    private mutating func set(_ key: Key, _ value: TOMLSubset.Value, source: String) throws(ConfigurationError) {
        do {
            try key.set(&self, value)
        } catch {
            throw ConfigurationError(key: key.name, reason: error.reason, source: source)
        }
        sources[key.name] = source
    }

    private func failure(_ key: String, _ reason: String) -> ConfigurationError {
        ConfigurationError(key: key, reason: reason, source: sources[key])
    }

    /// The checks that span keys or need parsing (addresses, URLs, names).
    func validate() throws(ConfigurationError) {
        guard detection.windows.count <= 8 else { throw failure("detection.windows", "at most 8 windows (got \(detection.windows.count))") }
        for window in detection.windows where window % detection.tick != 0 {
            throw failure("detection.windows", "each must be a whole number of ticks (\(window) s is not a multiple of detection.tick = \(detection.tick) s)")
        }
        for (name, addresses) in [("syslog.udp", syslog.udp), ("syslog.tcp", syslog.tcp), ("syslog.tls", syslog.tls), ("api.address", [api.address])] {
            for address in addresses {
                do { _ = try Ingest.SocketAddress(parsing: address) } catch { throw failure(name, error.description) }
            }
        }
        try validateSecureIntake()
        do { _ = try DatabaseURL(parsing: database) } catch { throw failure("database.url", "\(error)") }
        if cluster.instanceName.utf8.count > 200 {
            throw failure("cluster.instance_name", "must be at most 200 bytes")
        }
        if sources["cluster.member_timeout"] != nil, cluster.memberTimeout < 2 * detection.tick {
            throw failure("cluster.member_timeout", "must be at least two ticks (\(2 * detection.tick) s with detection.tick = \(detection.tick) s)")
        }
        if sources["cluster.retention"] != nil, cluster.retention < detectionConfiguration.longestWindow + 2 * detection.tick {
            throw failure("cluster.retention", "must cover the longest detection window and two ticks (at least \(detectionConfiguration.longestWindow + 2 * detection.tick) s)")
        }
        guard ["all", "errors", "off"].contains(detection.mineTemplates) else {
            throw failure("detection.mine_templates", "must be all, errors or off (got '\(detection.mineTemplates)')")
        }
        guard ["auto", "json", "text"].contains(log.format) else { throw failure("log.format", "must be auto, json or text (got '\(log.format)')") }
        guard Logger.Level(rawValue: log.level) != nil else {
            throw failure("log.level", "must be one of trace, debug, info, notice, warning, error, critical (got '\(log.level)')")
        }
        if !syslog.timezone.isEmpty {
            do { _ = try LocalTimeZone.named(syslog.timezone) } catch { throw failure("syslog.timezone", "\(error)") }
        }
        guard let url = URL(string: analysis.baseURL), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
            throw failure("analysis.base_url", "must be an http:// or https:// URL (got '\(analysis.baseURL)')")
        }
        try validateNotify()
    }

    /// TLS files come in pairs and only where they are used; allowlists and names parse.
    private func validateSecureIntake() throws(ConfigurationError) {
        if !syslog.tls.isEmpty {
            if syslog.tlsCert.isEmpty { throw failure("syslog.tls_cert", "required when syslog.tls is set (PEM certificate, chain allowed)") }
            if syslog.tlsKey.isEmpty { throw failure("syslog.tls_key", "required when syslog.tls is set (PEM private key)") }
        }
        if !syslog.tlsAllowedNames.isEmpty, syslog.tlsClientCA.isEmpty {
            throw failure("syslog.tls_allowed_names", "needs syslog.tls_client_ca (names are read from verified client certificates)")
        }
        for (key, path) in [("syslog.tls_cert", syslog.tlsCert), ("syslog.tls_key", syslog.tlsKey), ("syslog.tls_client_ca", syslog.tlsClientCA),
                            ("api.tls_cert", api.tlsCert), ("api.tls_key", api.tlsKey)]
        where !path.isEmpty && !FileManager.default.isReadableFile(atPath: path) {
            throw failure(key, "cannot read '\(path)'")
        }
        if api.tlsCert.isEmpty != api.tlsKey.isEmpty {
            throw failure(api.tlsCert.isEmpty ? "api.tls_cert" : "api.tls_key", "api.tls_cert and api.tls_key go together")
        }
        do { _ = try SourceAllowlist(parsing: syslog.allow) } catch { throw failure("syslog.allow", error.description) }
        do { _ = try PeerNameMatcher(syslog.tlsAllowedNames) } catch { throw failure("syslog.tls_allowed_names", error.description) }
    }

    /// The cluster membership of `vigil serve` on PostgreSQL; `httpPort` tells instances on one
    /// host apart in the default instance name.
    func clusterConfiguration(httpPort: Int) -> ClusterConfiguration {
        let name = cluster.instanceName.isEmpty
            ? ClusterConfiguration.defaultInstanceName(hostName: HostName.current, port: httpPort)
            : cluster.instanceName
        // Left at its default, the timeout stretches to three ticks for long ticks.
        let timeout = sources["cluster.member_timeout"] == nil ? max(cluster.memberTimeout, 3 * detection.tick) : cluster.memberTimeout
        return ClusterConfiguration(
            instanceName: name, tickSeconds: detection.tick, windowSeconds: detectionConfiguration.longestWindow, memberTimeoutSeconds: timeout,
            retentionSeconds: cluster.retention, address: api.address)
    }

    var detectionConfiguration: DetectionConfiguration {
        DetectionConfiguration(
            windows: detection.windows, tickSeconds: detection.tick, emaAlpha: detection.emaAlpha,
            minimumWindows: detection.minimumWindows, minimumErrors: detection.minErrors, minimumVolume: detection.minVolume,
            minimumBaselineWindows: detection.minBaselineWindows, minimumServiceMessages: detection.minServiceMessages,
            errorSpikeMultiplier: detection.errorSpikeFactor, errorSpikeFloor: detection.errorSpikeFloor,
            errorSpikeSignificance: detection.errorSpikeSignificance,
            highSeverityErrorRate: detection.highSeverityErrorRate, volumeSpikeMultiplier: detection.volumeSpikeFactor,
            serviceChangeThreshold: detection.serviceChangeDelta, cooldownSeconds: detection.cooldown,
            correlationSeconds: detection.correlationWindow, resolveAfterTicks: detection.resolveAfter,
            maximumSamples: detection.maximumSamples, newPatternMinimumCount: detection.newPatternMinimum,
            patternRediscoverySeconds: detection.patternRediscovery,
            maximumTemplatesPerService: detection.templatesPerService)
    }
}
