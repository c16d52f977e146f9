extension Detector {
    /// Turns one tick's anomalies (every window, every scope) into alerts — **one per category
    /// and scope**:
    /// - a service's anomalies of one category, on any window, are one alert about that service;
    /// - an overall `error_spike` or `volume_spike` is folded into the alert of a service it
    ///   names that has its own anomaly of that category on this tick (or an active one): one
    ///   failing service is one alert, not one for it and one for "all services". It is an alert
    ///   of the overall scope only when none of the services it names has its own (many services
    ///   each a little worse);
    /// - `service_change` is about the overall scope; `new_pattern` about its template's service.
    ///
    /// Each key's alert goes through its cooldown (``CooldownPolicy``) once per episode (from the
    /// rule's first match until it has been quiet long enough to resolve): a key already alerted
    /// raises nothing more while the episode lasts; a key the cooldown refused (a repeat soon
    /// after an earlier alert) stays silent too — unless the episode outlasts a whole cooldown
    /// period of its own, when an operator must hear of it. Alerts come out in key order:
    /// categories as declared, overall first, then services by name.
    mutating func admit(_ anomalies: [Anomaly], templates: TemplateWindow, at now: Int64) -> [Alert] {
        var groups: [AlertKey: [Anomaly]] = [:]
        for anomaly in anomalies where !Self.explainedByServices(anomaly) {
            groups[anomaly.key, default: []].append(anomaly)
        }
        for anomaly in anomalies where Self.explainedByServices(anomaly) {
            let keys = anomaly.affectedServices.map { AlertKey(anomaly.category, .service($0)) }
            let explained = keys.contains { groups[$0] != nil || conditions.isActive($0) }
            if !explained {
                groups[anomaly.key, default: []].append(anomaly)
            } else if let home = keys.first(where: { groups[$0] != nil }) {
                groups[home, default: []].append(anomaly)
            }
        }
        var alerts: [Alert] = []
        for key in groups.keys.sorted() where !raised.contains(key) {
            if let refusedAt = refused[key], now < refusedAt + configuration.cooldownSeconds { continue }
            guard cooldown.admit(key, at: now) else {
                if refused[key] == nil { refused[key] = now }
                continue
            }
            guard let group = groups[key], var alert = Alert.grouping(group, id: nextID(at: now), detectedAt: now, samples: [])
            else { continue }
            alert.scope = key.scope
            raised.insert(key)
            alert.samples = Self.templateSamples(for: alert, from: templates, limit: configuration.maximumSamples)
            alert.sampleMessages = samples.samples(for: alert.affectedServices, limit: configuration.maximumSamples)
            if alert.sampleMessages.isEmpty { alert.sampleMessages = alert.samples.map(\.example) }
            alerts.append(alert)
        }
        return alerts
    }

    /// Overall error and volume spikes name the services behind them, which may have alerts of
    /// their own.
    static func explainedByServices(_ anomaly: Anomaly) -> Bool {
        anomaly.scope == .overall && (anomaly.category == .errorSpike || anomaly.category == .volumeSpike)
    }

    /// An alert's samples: the templates of its `new_pattern` anomalies first, then the affected
    /// services' top templates (error level first, most frequent first), services taking turns.
    static func templateSamples(for alert: Alert, from window: TemplateWindow, limit: Int) -> [TemplateSample] {
        var result = alert.anomalies.compactMap(\.pattern)
        let names = alert.affectedServices.isEmpty ? window.top.keys.sorted() : alert.affectedServices
        let lists = names.map { window.top[$0] ?? [] }
        var index = 0
        while result.count < limit, lists.contains(where: { index < $0.count }) {
            for list in lists where index < list.count && result.count < limit
                && !result.contains(where: { $0.templateID == list[index].templateID && $0.service == list[index].service })
            {
                result.append(list[index])
            }
            index += 1
        }
        if alert.affectedServices.isEmpty {
            result.sort { ($0.isError ? 0 : 1, -$0.count) < ($1.isError ? 0 : 1, -$1.count) }
        }
        return Array(result.prefix(limit))
    }
}
