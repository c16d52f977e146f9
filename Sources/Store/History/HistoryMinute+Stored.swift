import Detect

extension HistoryMinute {
    /// A row of `history` joined with its scope's key (`scope`), as both backends read it.
    static func stored(from row: some StoredRowReader) throws(StoreError) -> HistoryMinute {
        var row = row
        let key = try row.string("scope")
        guard let scope = Scope(storageKey: key) else { throw row.failure("scope", "unknown scope '\(key)'") }
        let minute = try row.int64("minute_start")
        row.key = "\(key)@\(minute)"
        var lanes: [Int] = []
        for column in HistorySchema.severityColumns { lanes.append(Int(try row.int64(column))) }
        var baseline: HistoryBaseline?
        if let volume = try row.optionalDouble("baseline_volume"), let rate = try row.optionalDouble("baseline_error_rate") {
            baseline = HistoryBaseline(volumePerMinute: volume, errorRate: rate)
        }
        return HistoryMinute(scope: scope, minute: minute, counts: SeverityCounts(bySeverity: lanes), baseline: baseline)
    }
}

extension HistoryMinute {
    /// `minutes` with repeated (scope, minute) pairs summed into one (the last baseline given
    /// wins), in first-seen order: one upsert per row of the table.
    static func merged(_ minutes: [HistoryMinute]) -> [HistoryMinute] {
        var index: [HistoryKey: Int] = [:]
        var result: [HistoryMinute] = []
        result.reserveCapacity(minutes.count)
        for minute in minutes {
            let key = HistoryKey(scope: minute.scope, minute: minute.minute)
            if let at = index[key] {
                result[at].counts.add(minute.counts)
                if let baseline = minute.baseline { result[at].baseline = baseline }
            } else {
                index[key] = result.count
                result.append(minute)
            }
        }
        return result
    }
}

struct HistoryKey: Hashable {
    var scope: Scope
    var minute: Int64
}
