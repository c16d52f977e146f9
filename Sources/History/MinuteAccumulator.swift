import Detect
import Store

/// The minute being counted, per service and overall, tick by tick; and the minutes completed
/// but not yet handed to the store. A value type: ``HistoryRecorder`` holds it under its lock.
struct MinuteAccumulator: Sendable {
    /// Start (seconds) of the minute being counted; `nil` before the first tick.
    private(set) var minute: Int64?
    private(set) var services: [String: SeverityCounts] = [:]
    private(set) var overall = SeverityCounts()
    /// The baselines in force, per scope, at the scale of a minute.
    var baselines: [Scope: HistoryBaseline] = [:]

    /// Adds one tick's counts (the tick starting at `tickStart` seconds). When the tick belongs
    /// to a later minute than the one being counted, that minute is complete: its rows are
    /// returned and counting starts over.
    mutating func add(tickStart: Int64, counts: [(service: String, counts: SeverityCounts)]) -> [HistoryMinute]? {
        let tickMinute = HistoryMinute.start(of: tickStart)
        var completed: [HistoryMinute]?
        if let minute, tickMinute > minute {
            completed = close()
        }
        if minute == nil { minute = tickMinute }
        for (service, tick) in counts where tick.total > 0 {
            services[service, default: SeverityCounts()].add(tick)
            overall.add(tick)
        }
        return completed
    }

    /// The rows of the minute being counted (services that sent something, and overall — also
    /// when nothing came: a quiet minute is worth drawing); nothing is being counted after it.
    mutating func close() -> [HistoryMinute] {
        guard let minute else { return [] }
        defer {
            self.minute = nil
            services = [:]
            overall = SeverityCounts()
        }
        return rows(minute: minute, scopes: nil)
    }

    /// The minute being counted, as rows, for `scopes` (every scope when `nil`).
    func rows(minute: Int64, scopes: Set<Scope>?) -> [HistoryMinute] {
        var rows: [HistoryMinute] = []
        if scopes?.contains(.overall) ?? true {
            rows.append(HistoryMinute(scope: .overall, minute: minute, counts: overall, baseline: baselines[.overall]))
        }
        if let scopes {
            for case .service(let name) in scopes {
                guard let counts = services[name] else { continue }
                rows.append(HistoryMinute(scope: .service(name), minute: minute, counts: counts, baseline: baselines[.service(name)]))
            }
        } else {
            for (name, counts) in services.sorted(by: { $0.key < $1.key }) {
                rows.append(HistoryMinute(scope: .service(name), minute: minute, counts: counts, baseline: baselines[.service(name)]))
            }
        }
        return rows
    }
}
