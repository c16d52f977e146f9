extension Detector {
    /// Counts one replayed message and first evaluates every tick its timestamp closes.
    /// `severity` is the syslog severity 0…7; `text`, when given, may be shown as a sample.
    /// A message older than the open tick is still counted if its tick is in the ring.
    /// `message`, when given, is mined for templates (its MSG part, without the syslog header).
    public mutating func record(
        service: String, severity: Int, atNanoseconds nanoseconds: Int64, text: String? = nil,
        message: UnsafeRawBufferPointer? = nil
    ) -> DetectionOutput {
        let output = advance(toNanoseconds: nanoseconds)
        let seconds = Self.floorDiv(nanoseconds, 1_000_000_000)
        ledger.add(service: service, severity: severity, atTick: Self.floorDiv(seconds, configuration.tickSeconds))
        if let message {
            var name = service
            name.withUTF8 { bytes in
                let raw = UnsafeRawBufferPointer(bytes)
                templates.record(service: raw, hash: ServiceCounters.hash(raw), message: message, severity: severity, atSeconds: seconds)
            }
        }
        if let text { samples.note(service: service, severity: severity, text: text) }
        return output
    }

    /// Moves replay time to `nanoseconds`, evaluating each tick that ends by then (call at the
    /// end of a replay to judge the last ticks).
    ///
    /// A long silence is walked tick by tick only until nothing can change any more — a whole
    /// longest window plus the resolution's ticks after the last message, and no rule still
    /// matching; the rest of it is skipped in one step that learns its completed windows as
    /// silent (``skipSilence(throughTick:)``), exactly what walking them would have learned.
    public mutating func advance(toNanoseconds nanoseconds: Int64) -> DetectionOutput {
        let tick = Self.floorDiv(Self.floorDiv(nanoseconds, 1_000_000_000), configuration.tickSeconds)
        guard var open = replayTick else {
            replayTick = tick
            if observedSince == nil { observedSince = tick * configuration.tickSeconds }
            return DetectionOutput()
        }
        var output = DetectionOutput()
        let lastMessageTick = open
        let walk = Int64(configuration.ticksPerWindow + configuration.resolveAfterTicks + 1)
        while open < tick {
            if tick - open > 1, open >= lastMessageTick + walk, conditions.quietTicks.isEmpty {
                skipSilence(throughTick: tick - 1)
                open = tick - 1
            }
            let window = templates.window(endingAtTick: open)
            open += 1
            output.append(evaluate(at: open * configuration.tickSeconds, templates: window))
        }
        replayTick = open
        return output
    }

    /// Skips the evaluations of the silent ticks up to and including `lastTick`: no rule can
    /// match silence that follows a whole silent window (nothing is left to spike or to vanish),
    /// so only learning remains — every window of each size that ends by `lastTick`'s start is
    /// learned as silent by every scope that would have learned it.
    mutating func skipSilence(throughTick lastTick: Int64) {
        guard let observedSince else { return }
        let skippedUntil = lastTick * configuration.tickSeconds
        for size in configuration.windows {
            let newEnd = Self.floorDiv(skippedUntil, size) * size
            let previousEnd = lastCompletedWindowEnd[size] ?? newEnd
            guard newEnd > previousEnd else { continue }
            lastCompletedWindowEnd[size] = newEnd
            // The first window end learnable: after the last one seen, and whole in observed time.
            let firstEnd = max(previousEnd + size, (Self.floorDiv(observedSince + size - 1, size) + 1) * size)
            guard newEnd >= firstEnd else { continue }
            for scope in learningScopes(size: size, windowStart: firstEnd - size) {
                var baseline = baselinesByWindow[size]?[scope] ?? Baseline(scope: scope, windowSeconds: size)
                let from = max(firstEnd, (baseline.lastWindowEnd ?? .min) + size)
                guard newEnd >= from else { continue }
                baseline.learnSilence(windows: Int((newEnd - from) / size) + 1, alpha: configuration.emaAlpha, windowEnd: newEnd)
                baselinesByWindow[size, default: [:]][scope] = baseline
            }
            if size == configuration.longestWindow { forgetOldPatterns(before: newEnd) }
        }
    }
}
