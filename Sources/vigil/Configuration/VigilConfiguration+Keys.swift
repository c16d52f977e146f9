import Foundation

/// The table of keys: each names its `section.key`, and reads its value from TOML or from an
/// environment string. One table drives the file, the environment and the error messages.
extension VigilConfiguration {
    struct Key: Sendable {
        let name: String
        let set: @Sendable (inout VigilConfiguration, TOMLSubset.Value) throws(ConfigurationError) -> Void
        let kind: Kind

        enum Kind { case string, strings, integer, integers, number }

        /// `VIGIL_SYSLOG_UDP` for `syslog.udp`.
        var environmentName: String { "VIGIL_" + name.uppercased().replacingOccurrences(of: ".", with: "_") }

        /// An environment string as the TOML value it stands for (lists are comma-separated).
        func value(fromEnvironment text: String) throws(ConfigurationError) -> TOMLSubset.Value {
            switch kind {
            case .string: return .string(text)
            case .strings: return .array(text.split(separator: ",").map { .string($0.trimmingCharacters(in: .whitespaces)) })
            case .integers:
                var items: [TOMLSubset.Value] = []
                for part in text.split(separator: ",", omittingEmptySubsequences: false) {
                    guard let value = Int64(part.trimmingCharacters(in: .whitespaces)) else {
                        throw ConfigurationError(key: name, reason: "'\(text)' is not a comma-separated list of integers")
                    }
                    items.append(.integer(value))
                }
                return .array(items)
            case .integer:
                guard let value = Int64(text.trimmingCharacters(in: .whitespaces)) else { throw ConfigurationError(key: name, reason: "'\(text)' is not an integer") }
                return .integer(value)
            case .number:
                guard let value = Double(text.trimmingCharacters(in: .whitespaces)) else { throw ConfigurationError(key: name, reason: "'\(text)' is not a number") }
                return .float(value)
            }
        }
    }

    static func string(_ name: String, _ path: WritableKeyPath<VigilConfiguration, String> & Sendable) -> Key {
        Key(name: name, set: { config, value throws(ConfigurationError) in
            guard case .string(let text) = value else { throw ConfigurationError(key: name, reason: "must be a string") }
            config[keyPath: path] = text
        }, kind: .string)
    }

    static func strings(_ name: String, _ path: WritableKeyPath<VigilConfiguration, [String]> & Sendable) -> Key {
        Key(name: name, set: { config, value throws(ConfigurationError) in
            guard case .array(let items) = value else { throw ConfigurationError(key: name, reason: "must be an array of strings") }
            var texts: [String] = []
            for item in items {
                guard case .string(let text) = item else { throw ConfigurationError(key: name, reason: "must be an array of strings") }
                texts.append(text)
            }
            config[keyPath: path] = texts
        }, kind: .strings)
    }

    static func integer<T: FixedWidthInteger & Sendable>(_ name: String, _ path: WritableKeyPath<VigilConfiguration, T> & Sendable, _ range: ClosedRange<Int64>) -> Key {
        Key(name: name, set: { config, value throws(ConfigurationError) in
            guard case .integer(let number) = value else { throw ConfigurationError(key: name, reason: "must be an integer") }
            guard range.contains(number) else { throw ConfigurationError(key: name, reason: "must be from \(range.lowerBound) to \(range.upperBound) (got \(number))") }
            config[keyPath: path] = T(number)
        }, kind: .integer)
    }

    static func integers(_ name: String, _ path: WritableKeyPath<VigilConfiguration, [Int64]> & Sendable, _ range: ClosedRange<Int64>) -> Key {
        Key(name: name, set: { config, value throws(ConfigurationError) in
            guard case .array(let items) = value, !items.isEmpty else {
                throw ConfigurationError(key: name, reason: "must be a non-empty array of integers")
            }
            var numbers: [Int64] = []
            for item in items {
                guard case .integer(let number) = item else { throw ConfigurationError(key: name, reason: "must be a non-empty array of integers") }
                guard range.contains(number) else {
                    throw ConfigurationError(key: name, reason: "each must be from \(range.lowerBound) to \(range.upperBound) (got \(number))")
                }
                numbers.append(number)
            }
            config[keyPath: path] = numbers
        }, kind: .integers)
    }

    static func number(_ name: String, _ path: WritableKeyPath<VigilConfiguration, Double> & Sendable, _ range: ClosedRange<Double>) -> Key {
        Key(name: name, set: { config, value throws(ConfigurationError) in
            let number: Double
            switch value {
            case .integer(let integer): number = Double(integer)
            case .float(let float): number = float
            default: throw ConfigurationError(key: name, reason: "must be a number")
            }
            guard range.contains(number) else { throw ConfigurationError(key: name, reason: "must be from \(range.lowerBound) to \(range.upperBound) (got \(number))") }
            config[keyPath: path] = number
        }, kind: .number)
    }

    static let maxInt = Int64(Int32.max)

    static let keys: [Key] = [
        strings("syslog.udp", \.syslog.udp),
        strings("syslog.tcp", \.syslog.tcp),
        integer("syslog.udp_threads", \.syslog.udpThreads, 0...1024),
        integer("syslog.tcp_threads", \.syslog.tcpThreads, 0...1024),
        integer("syslog.shards", \.syslog.shards, 0...1024),
        integer("syslog.receive_buffer", \.syslog.receiveBuffer, 1...maxInt),
        integer("syslog.max_message_size", \.syslog.maxMessageSize, 480...(16 << 20)),
        integer("syslog.max_connections", \.syslog.maxConnections, 1...1_000_000),
        integer("syslog.idle_timeout", \.syslog.idleTimeout, 0...maxInt),
        string("syslog.timezone", \.syslog.timezone),
        string("syslog.tap", \.syslog.tap),
        strings("syslog.tls", \.syslog.tls),
        string("syslog.tls_cert", \.syslog.tlsCert),
        string("syslog.tls_key", \.syslog.tlsKey),
        string("syslog.tls_client_ca", \.syslog.tlsClientCA),
        strings("syslog.tls_allowed_names", \.syslog.tlsAllowedNames),
        strings("syslog.allow", \.syslog.allow),
        integer("syslog.error_ring", \.syslog.errorRing, 0...1_000_000),
        string("api.address", \.api.address),
        string("api.token", \.api.token),
        integer("api.max_body_bytes", \.api.maxBodyBytes, 1024...(1 << 30)),
        string("api.tls_cert", \.api.tlsCert),
        string("api.tls_key", \.api.tlsKey),
        string("api.upload_token", \.api.uploadToken),
        string("api.public_url", \.api.publicURL),
        string("database.url", \.database),
        string("log.format", \.log.format),
        string("log.level", \.log.level),
        integers("detection.windows", \.detection.windows, 1...(7 * 86_400)),
        integer("detection.tick", \.detection.tick, 1...86_400),
        integer("detection.cooldown", \.detection.cooldown, 0...(30 * 86_400)),
        number("detection.ema_alpha", \.detection.emaAlpha, 0.000_001...1),
        integer("detection.minimum_windows", \.detection.minimumWindows, 1...10_000),
        integer("detection.min_errors", \.detection.minErrors, 1...maxInt),
        integer("detection.min_volume", \.detection.minVolume, 1...maxInt),
        integer("detection.min_baseline_windows", \.detection.minBaselineWindows, 1...10_000),
        integer("detection.min_service_messages", \.detection.minServiceMessages, 1...maxInt),
        integer("detection.correlation_window", \.detection.correlationWindow, 0...86_400),
        integer("detection.resolve_after", \.detection.resolveAfter, 1...10_000),
        number("detection.error_spike_factor", \.detection.errorSpikeFactor, 1...1_000_000),
        number("detection.error_spike_floor", \.detection.errorSpikeFloor, 0...1),
        number("detection.error_spike_significance", \.detection.errorSpikeSignificance, 1e-15...1),
        number("detection.high_severity_error_rate", \.detection.highSeverityErrorRate, 0...1),
        number("detection.volume_spike_factor", \.detection.volumeSpikeFactor, 1...1_000_000),
        number("detection.service_change_delta", \.detection.serviceChangeDelta, 1...1_000_000),
        integer("detection.maximum_samples", \.detection.maximumSamples, 0...1000),
        integer("detection.new_pattern_minimum", \.detection.newPatternMinimum, 1...1_000_000),
        integer("detection.pattern_rediscovery", \.detection.patternRediscovery, 1...(3650 * 86_400)),
        integer("detection.templates_per_service", \.detection.templatesPerService, 1...100_000),
        string("detection.mine_templates", \.detection.mineTemplates),
        string("analysis.api_key", \.analysis.apiKey),
        string("analysis.base_url", \.analysis.baseURL),
        string("analysis.model", \.analysis.model),
        integer("analysis.max_tokens", \.analysis.maxTokens, 1...200_000),
        number("analysis.temperature", \.analysis.temperature, 0...1),
        number("analysis.request_timeout", \.analysis.requestTimeout, 0.1...3600),
        number("analysis.connect_timeout", \.analysis.connectTimeout, 0.1...3600),
        integer("analysis.max_retries", \.analysis.maxRetries, 0...20),
        integer("analysis.queue_capacity", \.analysis.queueCapacity, 1...1_000_000),
        integer("analysis.concurrency", \.analysis.concurrency, 1...64),
        string("cluster.instance_name", \.cluster.instanceName),
        integer("cluster.member_timeout", \.cluster.memberTimeout, 1...86_400),
        integer("cluster.retention", \.cluster.retention, 60...(30 * 86_400)),
        integer("history.retention", \.history.retention, 3600...(3650 * 86_400)),
        strings("notify.alertmanager", \.notify.alertmanager),
        strings("notify.webhooks", \.notify.webhooks),
        strings("notify.slack", \.notify.slack),
        string("notify.webhook_secret", \.notify.webhookSecret),
        string("notify.instance", \.notify.instance),
        string("notify.alertmanager_min_severity", \.notify.alertmanagerMinSeverity),
        strings("notify.alertmanager_categories", \.notify.alertmanagerCategories),
        string("notify.webhook_min_severity", \.notify.webhookMinSeverity),
        strings("notify.webhook_categories", \.notify.webhookCategories),
        string("notify.slack_min_severity", \.notify.slackMinSeverity),
        strings("notify.slack_categories", \.notify.slackCategories),
        integer("notify.alertmanager_resolve_after", \.notify.alertmanagerResolveAfter, 60...(30 * 86_400)),
        integer("notify.alertmanager_resend", \.notify.alertmanagerResend, 5...86_400),
        integer("notify.max_age", \.notify.maxAge, 60...(30 * 86_400)),
        number("notify.timeout", \.notify.timeout, 0.1...600),
        integer("notify.concurrency", \.notify.concurrency, 1...256),
        number("notify.backoff_initial", \.notify.backoffInitial, 0.01...3600),
        number("notify.backoff_max", \.notify.backoffMax, 0.01...86_400),
        integer("notify.retention", \.notify.retention, 3600...(3650 * 86_400)),
        number("shutdown.timeout", \.shutdown.timeout, 1...600),
    ]

    /// Customary variables other tools use, applied before the `VIGIL_*` ones (which win).
    static let environmentAliases: [(variable: String, key: String)] = [
        ("DATABASE_URL", "database.url"),
        ("ANTHROPIC_API_KEY", "analysis.api_key"),
        ("ANTHROPIC_BASE_URL", "analysis.base_url"),
        ("ANTHROPIC_MODEL", "analysis.model"),
        ("ANTHROPIC_MAX_TOKENS", "analysis.max_tokens"),
        ("ANTHROPIC_TEMPERATURE", "analysis.temperature"),
        ("ANTHROPIC_TIMEOUT", "analysis.request_timeout"),
        ("ANTHROPIC_CONNECT_TIMEOUT", "analysis.connect_timeout"),
        ("ANTHROPIC_MAX_RETRIES", "analysis.max_retries"),
    ]
}
