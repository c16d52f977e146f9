#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The detection rules: pure functions from one window's stats and that window's baselines to
/// anomalies.
///
/// Pure so that each threshold can be pinned by a table of cases, and so that the live receiver
/// and a replay judge with literally the same code. Every window size runs the same rules against
/// baselines of its own size (the baseline says which window it is, and the anomaly carries it).
///
/// A rule judges a scope only once its baseline has learned
/// ``DetectionConfiguration/minimumWindows`` completed windows: before that there is no "normal"
/// to deviate from, and a restart must not alert just because it knows nothing yet. Beyond the
/// original design's ratios, each rule needs a minimum of evidence in the window — errors for
/// `error_spike`, messages and a few learned windows for `volume_spike`, services that each sent
/// enough for `service_change` — because a ratio against almost nothing is not evidence.
public enum Rules {
    /// Tolerance for comparing averaged counts with whole-number thresholds: an average that has
    /// converged to 9 from below reads 8.99999998, and counts of services are whole.
    static let epsilon = 0.05

    /// Every rule for every scope that has a ready baseline, overall first, then services by name.
    /// `baselines` are those of the window `stats` cover.
    /// `recentTicks`, when the window's spans are to be scanned for an error spike, gives a scope's
    /// counts per tick over the window, oldest first; `rateBaselines` (the longest window's) give
    /// the usual error rate they are judged against (see ``errorSpike(_:scope:baseline:configuration:rateBaseline:recentTicks:)``).
    public static func evaluate(
        _ stats: WindowStats,
        baselines: [Scope: Baseline],
        configuration: DetectionConfiguration,
        rateBaselines: [Scope: Baseline] = [:],
        recentTicks: (Scope) -> [SeverityCounts] = { _ in [] }
    ) -> [Anomaly] {
        var anomalies: [Anomaly] = []
        let scopes = [Scope.overall] + stats.services.keys.sorted().map(Scope.service)
        for scope in scopes {
            guard let baseline = baselines[scope] else { continue }
            if let anomaly = errorSpike(
                stats, scope: scope, baseline: baseline, configuration: configuration, rateBaseline: rateBaselines[scope],
                recentTicks: recentTicks)
            {
                anomalies.append(anomaly)
            }
            if let anomaly = volumeSpike(stats, scope: scope, baseline: baseline, configuration: configuration) {
                anomalies.append(anomaly)
            }
        }
        if let baseline = baselines[.overall],
            let anomaly = serviceChange(stats, baseline: baseline, serviceBaselines: baselines, configuration: configuration)
        {
            anomalies.append(anomaly)
        }
        return anomalies
    }

    /// `error_spike`: rate > multiplier × baseline rate AND rate > the absolute floor AND at least
    /// ``DetectionConfiguration/minimumErrors`` errors AND that many errors are improbable at the
    /// baseline rate (``DetectionConfiguration/errorSpikeSignificance``) — judged on the whole
    /// window, or, given `recentTicks` (the scope's counts per tick over the window, oldest
    /// first), on every span of the latest ticks.
    ///
    /// **Spans.** A burst that began 15 s ago is diluted in a 60-s window by 45 s of normal
    /// traffic, and waits for enough of it to outweigh them. Judging the errors of the last
    /// 1, 2, … k ticks against the usual rate for those ticks' messages sees it as soon as its
    /// own errors are evidence. Testing k spans instead of one multiplies the chances of a
    /// fluke, so each span must be k times as improbable (Bonferroni: significance / k) — the
    /// whole window included, which is the last span. The anomaly reports the most improbable
    /// span (a burst going on for minutes: the whole window).
    ///
    /// **The usual rate** the spans are judged against is `rateBaseline`'s (the longest window's)
    /// once it is ready, else the window's own: an error rate needs many messages to be known, and
    /// a 60-s window of a 1-msg/s service holds 60 — a few chance errors move its average to 2 or
    /// 3 %, and a real burst then waits for twice the evidence; 300-s windows hold five times more.
    ///
    /// A zero baseline rate fires on the floor alone (any rate is infinitely many times zero);
    /// the reported multiplier is then ``DetectionConfiguration/multiplierCap``, as it is for any
    /// ratio above the cap. "high" above ``DetectionConfiguration/highSeverityErrorRate``
    /// (strictly), else "medium". For the overall scope the affected services are those whose
    /// own rate in the window is above the floor, most errors first (or the one with most errors
    /// if none is).
    public static func errorSpike(
        _ stats: WindowStats,
        scope: Scope,
        baseline: Baseline,
        configuration: DetectionConfiguration,
        rateBaseline: Baseline? = nil,
        recentTicks: (Scope) -> [SeverityCounts] = { _ in [] }
    ) -> Anomaly? {
        guard isReady(baseline, configuration) else { return nil }
        let window = stats.counts(for: scope)
        // No span holds more errors than the window: most scopes stop here, unscanned.
        guard window.errors >= max(1, configuration.minimumErrors) else { return nil }
        let ticks = recentTicks(scope)
        let steadier = ticks.count > 1 ? rateBaseline.flatMap { isReady($0, configuration) ? $0.errorRate : nil } : nil
        let usualRate = steadier ?? baseline.errorRate
        guard let (counts, seconds) = mostImprobableSpan(window: window, ticks: ticks, usualRate: usualRate, baseline: baseline, configuration: configuration)
        else { return nil }
        var current = WindowStats.metrics(of: counts)
        if scope == .overall { current.serviceCount = Double(stats.distinctServices) }
        let rate = current.errorRate
        let multiplier = ratio(rate, usualRate, cap: configuration.multiplierCap)
        let severity: AlertSeverity = rate > configuration.highSeverityErrorRate ? .high : .medium
        let affected = scope.service.map { [$0] } ?? servicesExplainingErrors(stats, floor: configuration.errorSpikeFloor)
        let subject = scope.service.map { "service \($0)" } ?? "all services"
        let description =
            "Error rate \(Formatting.percent(rate)) for \(subject) over the last \(seconds) s "
            + "(baseline \(Formatting.percent(usualRate)), \(Formatting.multiplier(multiplier)))"
            + (scope == .overall && !affected.isEmpty ? "; errors from \(affected.joined(separator: ", "))" : "")
        return Anomaly(
            category: .errorSpike,
            severity: severity,
            scope: scope,
            windowSeconds: baseline.windowSeconds,
            affectedServices: affected,
            current: current,
            baseline: ScopeMetrics(errorRate: usualRate, volume: baseline.volume, serviceCount: baseline.serviceCount),
            multiplier: multiplier,
            description: description
        )
    }

    /// The span that is the strongest evidence of an error spike — the counts and length of the
    /// latest k ticks (k = 1 … `ticks.count`, each tested at significance / `ticks.count`), or
    /// of the whole window when no ticks are given — or nil when none is evidence.
    static func mostImprobableSpan(
        window: SeverityCounts, ticks: [SeverityCounts], usualRate: Double, baseline: Baseline, configuration: DetectionConfiguration
    ) -> (SeverityCounts, Int64)? {
        guard ticks.count > 1 else {
            guard let chance = errorSpikeChance(window, usualRate: usualRate, configuration: configuration),
                chance <= configuration.errorSpikeSignificance
            else { return nil }
            return (window, baseline.windowSeconds)
        }
        let threshold = configuration.errorSpikeSignificance / Double(ticks.count)
        var best: (counts: SeverityCounts, seconds: Int64, chance: Double)?
        var span = SeverityCounts()
        for (index, tick) in ticks.reversed().enumerated() {
            span.add(tick)
            guard let chance = errorSpikeChance(span, usualRate: usualRate, configuration: configuration), chance <= threshold
            else { continue }
            if chance < best?.chance ?? .infinity {
                best = (span, Int64(index + 1) * configuration.tickSeconds, chance)
            }
        }
        return best.map { ($0.counts, $0.seconds) }
    }

    /// The chance of `counts`' errors or more at the usual rate, when they pass the rule's other
    /// tests (enough errors, rate above the multiple and the floor); nil when they do not.
    static func errorSpikeChance(_ counts: SeverityCounts, usualRate: Double, configuration: DetectionConfiguration) -> Double? {
        let errors = counts.errors
        guard errors >= max(1, configuration.minimumErrors) else { return nil }
        let rate = counts.errorRate
        guard rate > configuration.errorSpikeMultiplier * usualRate, rate > configuration.errorSpikeFloor else {
            return nil
        }
        let usual = max(usualRate, configuration.errorSpikeFloor / configuration.errorSpikeMultiplier)
        return poissonTail(atLeast: errors, mean: usual * Double(counts.total))
    }

    /// `volume_spike`: messages in the window > multiplier × baseline volume, with at least
    /// ``DetectionConfiguration/minimumVolume(window:)`` messages (``DetectionConfiguration/minimumVolume``
    /// per 60 s, a share of it in a shorter window), against a baseline of at least
    /// ``DetectionConfiguration/minimumBaselineWindows`` windows. "medium" (the design gives no
    /// severity for volume); the overall scope names the services whose own volume grew the most.
    public static func volumeSpike(
        _ stats: WindowStats,
        scope: Scope,
        baseline: Baseline,
        configuration: DetectionConfiguration
    ) -> Anomaly? {
        guard isReady(baseline, configuration, windows: configuration.minimumBaselineWindows) else { return nil }
        let current = stats.metrics(for: scope)
        guard current.volume >= Double(configuration.minimumVolume(window: baseline.windowSeconds)),
            current.volume > configuration.volumeSpikeMultiplier * baseline.volume
        else { return nil }
        let multiplier = ratio(current.volume, baseline.volume, cap: configuration.multiplierCap)
        let affected = scope.service.map { [$0] } ?? busiestServices(stats)
        let subject = scope.service.map { "service \($0)" } ?? "all services"
        let description =
            "\(Int(current.volume)) messages from \(subject) in the last \(baseline.windowSeconds) s "
            + "(baseline \(Formatting.oneDecimal(baseline.volume)), \(Formatting.multiplier(multiplier)))"
        return Anomaly(
            category: .volumeSpike,
            severity: .medium,
            scope: scope,
            windowSeconds: baseline.windowSeconds,
            affectedServices: affected,
            current: current,
            baseline: baseline.metrics,
            multiplier: multiplier,
            description: description
        )
    }

    /// `service_change`: the number of active services differs from its baseline by at least the
    /// threshold, AND at least that many services actually appeared or vanished — the count alone
    /// flickers as low-rate services cross the line, the named services are the evidence.
    ///
    /// A service is active with at least ``DetectionConfiguration/minimumServiceMessages``
    /// messages in the window. It *appeared* when active now and usually absent (its own baseline
    /// at this window averages under one message, or it has none); it *vanished* when silent now
    /// and usually active (its baseline averages at least the minimum). Judged once the overall
    /// baseline has learned ``DetectionConfiguration/minimumBaselineWindows`` windows. "medium"
    /// when services vanished (they may be down), "low" when they only appeared.
    public static func serviceChange(
        _ stats: WindowStats,
        baseline: Baseline,
        serviceBaselines: [Scope: Baseline],
        configuration: DetectionConfiguration
    ) -> Anomaly? {
        guard isReady(baseline, configuration, windows: configuration.minimumBaselineWindows) else { return nil }
        let current = stats.metrics(for: .overall)
        let threshold = configuration.serviceChangeThreshold - epsilon
        guard abs(current.serviceCount - baseline.serviceCount) >= threshold else { return nil }
        let minimum = configuration.minimumServiceMessages
        var appeared: [String] = []
        var vanished: [String] = []
        for (service, counts) in stats.services {
            let usual = serviceBaselines[.service(service)]?.volume ?? 0
            if counts.total >= minimum, usual < 1 {
                appeared.append(service)
            } else if counts.total == 0, usual >= Double(minimum) - epsilon {
                vanished.append(service)
            }
        }
        guard Double(max(appeared.count, vanished.count)) >= threshold else { return nil }
        appeared.sort()
        vanished.sort()
        var parts: [String] = []
        if !appeared.isEmpty { parts.append("appeared: \(appeared.joined(separator: ", "))") }
        if !vanished.isEmpty { parts.append("vanished: \(vanished.joined(separator: ", "))") }
        let description =
            "\(Int(current.serviceCount)) active services in the last \(baseline.windowSeconds) s "
            + "(baseline \(Formatting.oneDecimal(baseline.serviceCount)))"
            + (parts.isEmpty ? "" : "; " + parts.joined(separator: "; "))
        return Anomaly(
            category: .serviceChange,
            severity: vanished.isEmpty ? .low : .medium,
            scope: .overall,
            windowSeconds: baseline.windowSeconds,
            affectedServices: appeared + vanished,
            current: current,
            baseline: baseline.metrics,
            multiplier: nil,
            appearedServices: appeared,
            vanishedServices: vanished,
            description: description
        )
    }

    static func isReady(_ baseline: Baseline, _ configuration: DetectionConfiguration, windows: Int = 1) -> Bool {
        baseline.windowsObserved >= max(configuration.minimumWindows, windows)
    }

    /// P(X ≥ `count`) for X Poisson with mean `mean`: the chance of at least that many errors in
    /// a window that usually holds `mean`. Summed from `count` upwards in log space (no underflow
    /// for large means; the terms fall fast once past the mean).
    static func poissonTail(atLeast count: Int, mean: Double) -> Double {
        guard count > 0 else { return 1 }
        guard mean > 0 else { return 0 }
        if Double(count) <= mean { return 1 }
        var term = exp(-mean + Double(count) * log(mean) - lgamma(Double(count) + 1))
        var sum = 0.0
        var k = Double(count)
        while term > sum * 1e-12, term > 0 {
            sum += term
            k += 1
            term *= mean / k
        }
        return min(sum, 1)
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
