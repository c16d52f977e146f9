/// The detection rules: pure functions from a window's stats and a baseline to anomalies.
///
/// Pure so that each threshold can be pinned by a table of cases, and so that the live receiver
/// and a replay judge with literally the same code. A rule judges a scope only once its baseline
/// has learned ``DetectionConfiguration/minimumWindows`` completed windows: before that there is
/// no "normal" to deviate from, and a restart must not alert just because it knows nothing yet.
public enum Rules {
    /// Tolerance for comparing averaged counts with whole-number thresholds.
    static let epsilon = 1e-9

    /// Every rule for every scope that has a ready baseline, overall first, then services by name.
    public static func evaluate(
        _ stats: WindowStats,
        baselines: [Scope: Baseline],
        previousServices: Set<String>,
        configuration: DetectionConfiguration
    ) -> [Anomaly] {
        var anomalies: [Anomaly] = []
        let scopes = [Scope.overall] + stats.services.keys.sorted().map(Scope.service)
        for scope in scopes {
            guard let baseline = baselines[scope] else { continue }
            if let anomaly = errorSpike(stats, scope: scope, baseline: baseline, configuration: configuration) {
                anomalies.append(anomaly)
            }
            if let anomaly = volumeSpike(stats, scope: scope, baseline: baseline, configuration: configuration) {
                anomalies.append(anomaly)
            }
        }
        if let baseline = baselines[.overall],
            let anomaly = serviceChange(stats, baseline: baseline, previousServices: previousServices, configuration: configuration)
        {
            anomalies.append(anomaly)
        }
        return anomalies
    }

    /// `error_spike`: rate > multiplier × baseline rate AND rate > the absolute floor.
    ///
    /// A zero baseline rate fires on the floor alone (any rate is infinitely many times zero);
    /// the reported multiplier is then ``DetectionConfiguration/multiplierCap``, as it is for any
    /// ratio above the cap. "high" above ``DetectionConfiguration/highSeverityErrorRate``
    /// (strictly), else "medium". For the overall scope the affected services are those whose
    /// own rate is above the floor, most errors first (or the one with most errors if none is).
    public static func errorSpike(
        _ stats: WindowStats,
        scope: Scope,
        baseline: Baseline,
        configuration: DetectionConfiguration
    ) -> Anomaly? {
        guard isReady(baseline, configuration) else { return nil }
        let current = stats.metrics(for: scope)
        guard current.volume >= Double(configuration.minimumMessages) else { return nil }
        let rate = current.errorRate
        guard rate > configuration.errorSpikeMultiplier * baseline.errorRate, rate > configuration.errorSpikeFloor else {
            return nil
        }
        let multiplier = ratio(rate, baseline.errorRate, cap: configuration.multiplierCap)
        let severity: AlertSeverity = rate > configuration.highSeverityErrorRate ? .high : .medium
        let affected = scope.service.map { [$0] } ?? servicesExplainingErrors(stats, floor: configuration.errorSpikeFloor)
        let subject = scope.service.map { "service \($0)" } ?? "all services"
        let description =
            "Error rate \(Formatting.percent(rate)) for \(subject) over the last \(configuration.windowSeconds) s "
            + "(baseline \(Formatting.percent(baseline.errorRate)), \(Formatting.multiplier(multiplier)))"
            + (scope == .overall && !affected.isEmpty ? "; errors from \(affected.joined(separator: ", "))" : "")
        return Anomaly(
            category: .errorSpike,
            severity: severity,
            scope: scope,
            affectedServices: affected,
            current: current,
            baseline: baseline.metrics,
            multiplier: multiplier,
            description: description
        )
    }

    /// `volume_spike`: messages in the window > multiplier × baseline volume. "medium" (the
    /// design gives no severity for volume); the overall scope names the services whose own
    /// volume grew the most.
    public static func volumeSpike(
        _ stats: WindowStats,
        scope: Scope,
        baseline: Baseline,
        configuration: DetectionConfiguration
    ) -> Anomaly? {
        guard isReady(baseline, configuration) else { return nil }
        let current = stats.metrics(for: scope)
        guard current.volume >= Double(configuration.minimumMessages),
            current.volume > configuration.volumeSpikeMultiplier * baseline.volume
        else { return nil }
        let multiplier = ratio(current.volume, baseline.volume, cap: configuration.multiplierCap)
        let affected = scope.service.map { [$0] } ?? busiestServices(stats)
        let subject = scope.service.map { "service \($0)" } ?? "all services"
        let description =
            "\(Int(current.volume)) messages from \(subject) in the last \(configuration.windowSeconds) s "
            + "(baseline \(Formatting.oneDecimal(baseline.volume)), \(Formatting.multiplier(multiplier)))"
        return Anomaly(
            category: .volumeSpike,
            severity: .medium,
            scope: scope,
            affectedServices: affected,
            current: current,
            baseline: baseline.metrics,
            multiplier: multiplier,
            description: description
        )
    }

    /// `service_change`: the number of distinct services differs from its baseline by at least
    /// the threshold. Names the services active now that were not in `previousServices` (the
    /// previous completed window) and those gone since. "medium" when services vanished (they
    /// may be down), "low" when they only appeared.
    public static func serviceChange(
        _ stats: WindowStats,
        baseline: Baseline,
        previousServices: Set<String>,
        configuration: DetectionConfiguration
    ) -> Anomaly? {
        guard isReady(baseline, configuration) else { return nil }
        let current = stats.metrics(for: .overall)
        guard abs(current.serviceCount - baseline.serviceCount) >= configuration.serviceChangeThreshold - epsilon else {
            return nil
        }
        let active = stats.activeServices
        let appeared = active.subtracting(previousServices).sorted()
        let vanished = previousServices.subtracting(active).sorted()
        var parts: [String] = []
        if !appeared.isEmpty { parts.append("appeared: \(appeared.joined(separator: ", "))") }
        if !vanished.isEmpty { parts.append("vanished: \(vanished.joined(separator: ", "))") }
        let description =
            "\(Int(current.serviceCount)) distinct services in the last \(configuration.windowSeconds) s "
            + "(baseline \(Formatting.oneDecimal(baseline.serviceCount)))"
            + (parts.isEmpty ? "" : "; " + parts.joined(separator: "; "))
        return Anomaly(
            category: .serviceChange,
            severity: vanished.isEmpty ? .low : .medium,
            scope: .overall,
            affectedServices: appeared + vanished,
            current: current,
            baseline: baseline.metrics,
            multiplier: nil,
            appearedServices: appeared,
            vanishedServices: vanished,
            description: description
        )
    }

    static func isReady(_ baseline: Baseline, _ configuration: DetectionConfiguration) -> Bool {
        baseline.windowsObserved >= configuration.minimumWindows
    }

    /// `value / reference`, with a zero (or tiny) reference reported as `cap`.
    static func ratio(_ value: Double, _ reference: Double, cap: Double) -> Double {
        guard reference > 0 else { return cap }
        return min(value / reference, cap)
    }

    static func servicesExplainingErrors(_ stats: WindowStats, floor: Double) -> [String] {
        let withErrors = stats.services.filter { $0.value.errors > 0 }
            .sorted { ($0.value.errors, $1.key) > ($1.value.errors, $0.key) }
        let aboveFloor = withErrors.filter { $0.value.errorRate > floor }.map(\.key)
        return aboveFloor.isEmpty ? withErrors.prefix(1).map(\.key) : aboveFloor
    }

    static func busiestServices(_ stats: WindowStats, limit: Int = 3) -> [String] {
        stats.services.filter { $0.value.total > 0 }
            .sorted { ($0.value.total, $1.key) > ($1.value.total, $0.key) }
            .prefix(limit).map(\.key)
    }
}
