import Detect
import Foundation
import Notify
import Store

extension VigilConfiguration {
    /// The `[notify]` section and `api.public_url` (already checked by ``validateNotify()``) as the
    /// Notify module takes them.
    var notifyConfiguration: NotifyConfiguration {
        let kinds: [(NotificationKind, [String])] = [(.alertmanager, notify.alertmanager), (.webhook, notify.webhooks), (.slack, notify.slack)]
        var filters: [NotificationKind: NotificationFilter] = [:]
        for (kind, severity, categories) in filterKeys {
            filters[kind] = NotificationFilter(
                minimumSeverity: AlertSeverity(rawValue: severity) ?? .low,
                categories: Set(categories.compactMap(AnomalyCategory.init(rawValue:))))
        }
        return NotifyConfiguration(
            targets: kinds.flatMap { kind, urls in urls.map { NotificationTarget(kind: kind, url: $0) } },
            filters: filters,
            webhookSecret: notify.webhookSecret,
            instance: notify.instance.isEmpty ? HostName.current : notify.instance,
            publicURL: api.publicURL.isEmpty ? Self.publicURL(address: api.address) : api.publicURL,
            alertmanagerResolveAfter: .seconds(notify.alertmanagerResolveAfter),
            alertmanagerResend: .seconds(notify.alertmanagerResend),
            maxAge: .seconds(notify.maxAge),
            timeout: .milliseconds(Int64((notify.timeout * 1000).rounded())),
            concurrency: notify.concurrency,
            initialBackoff: .milliseconds(Int64((notify.backoffInitial * 1000).rounded())),
            maximumBackoff: .milliseconds(Int64((notify.backoffMax * 1000).rounded())),
            retention: .seconds(notify.retention))
    }

    private var filterKeys: [(NotificationKind, String, [String])] {
        [
            (.alertmanager, notify.alertmanagerMinSeverity, notify.alertmanagerCategories),
            (.webhook, notify.webhookMinSeverity, notify.webhookCategories),
            (.slack, notify.slackMinSeverity, notify.slackCategories),
        ]
    }

    /// `http://` and the API address, a wildcard host replaced by the host name (a link to
    /// 0.0.0.0 leads nowhere).
    static func publicURL(address: String) -> String {
        for wildcard in ["0.0.0.0:", "[::]:"] where address.hasPrefix(wildcard) {
            return "http://\(HostName.current):\(address.dropFirst(wildcard.count))"
        }
        return "http://" + address
    }

    /// Target URLs, severities, categories and the backoff bounds; each failure names its key.
    func validateNotify() throws(ConfigurationError) {
        func check(_ key: String, _ value: String) throws(ConfigurationError) {
            guard let url = URLComponents(string: value), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
                  let host = url.host, !host.isEmpty
            else {
                throw ConfigurationError(key: key, reason: "must be an http:// or https:// URL (got '\(TargetRedaction.redact(value))')", source: sources[key])
            }
            guard value.utf8.count <= 2000 else {
                throw ConfigurationError(key: key, reason: "URL longer than 2000 bytes", source: sources[key])
            }
        }
        for url in notify.alertmanager { try check("notify.alertmanager", url) }
        for url in notify.webhooks { try check("notify.webhooks", url) }
        for url in notify.slack { try check("notify.slack", url) }
        if !api.publicURL.isEmpty { try check("api.public_url", api.publicURL) }
        for (kind, severity, categories) in filterKeys {
            let name = kind.rawValue  // the keys are notify.<kind>_min_severity, notify.<kind>_categories
            guard AlertSeverity(rawValue: severity) != nil else {
                let key = "notify.\(name)_min_severity"
                throw ConfigurationError(key: key, reason: "must be low, medium, high or critical (got '\(severity)')", source: sources[key])
            }
            for category in categories where AnomalyCategory(rawValue: category) == nil {
                let key = "notify.\(name)_categories"
                let known = AnomalyCategory.allCases.map(\.rawValue).joined(separator: ", ")
                throw ConfigurationError(key: key, reason: "unknown category '\(category)' (known: \(known))", source: sources[key])
            }
        }
        guard notify.backoffMax >= notify.backoffInitial else {
            throw ConfigurationError(
                key: "notify.backoff_max", reason: "must be at least notify.backoff_initial (\(notify.backoffInitial) s)", source: sources["notify.backoff_max"])
        }
    }
}
