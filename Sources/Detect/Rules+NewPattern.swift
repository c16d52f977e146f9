extension Rules {
    /// `new_pattern`: an error-level template in its first (longest) window (new, or back after
    /// ``DetectionConfiguration/patternRediscoverySeconds`` of silence) that occurred at least
    /// ``DetectionConfiguration/newPatternMinimumCount`` times.
    ///
    /// Templates that appeared before the detector had watched ``DetectionConfiguration/minimumBaselineWindows``
    /// whole (longest) windows are not judged: at a (re)start every template is "new" to a
    /// detector that knows nothing yet, and rare ones keep turning up for a while. "high" when
    /// the template is critical or worse (severity ≤ 2), "medium" otherwise. One anomaly per
    /// template, scoped to its service.
    public static func newPatterns(
        _ templates: TemplateWindow,
        stats: WindowStats,
        baselines: [Scope: Baseline],
        observedSince: Int64,
        configuration: DetectionConfiguration
    ) -> [Anomaly] {
        templates.novel.compactMap { novel in
            let sample = novel.sample
            guard sample.isError, sample.count >= configuration.newPatternMinimumCount,
                novel.since >= observedSince + configuration.longestWindow * Int64(configuration.minimumBaselineWindows)
            else { return nil }
            let scope = Scope.service(sample.service)
            return Anomaly(
                category: .newPattern,
                severity: sample.severity <= 2 ? .high : .medium,
                scope: scope,
                windowSeconds: configuration.longestWindow,
                affectedServices: [sample.service],
                current: stats.metrics(for: scope),
                baseline: baselines[scope]?.metrics ?? ScopeMetrics(errorRate: 0, volume: 0, serviceCount: 0),
                multiplier: nil,
                pattern: sample,
                description: "New error pattern in service \(sample.service): \"\(sample.template)\" "
                    + "(\(sample.count) times since it first appeared in the last \(configuration.longestWindow) s)"
            )
        }
    }
}
