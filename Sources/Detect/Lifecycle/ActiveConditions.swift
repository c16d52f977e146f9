/// The keys whose rule is matching, or matched recently, and how long each has been quiet: the
/// detector's side of resolution.
///
/// A key is tracked from the first tick its rule matches (on any window), whether or not the
/// cooldown let an alert through — a suppressed repeat still belongs to the alert being
/// resolved. It is resolved once its rule has not matched on any window for ``resolveAfter``
/// judged ticks in a row. Only ticks on which every window was judged count: a (re)started
/// detector that cannot yet see a whole window has no evidence that anything ended.
public struct ActiveConditions: Sendable, Hashable {
    public let resolveAfter: Int
    /// Quiet ticks in a row, per tracked key.
    public private(set) var quietTicks: [AlertKey: Int] = [:]
    /// When each tracked key's episode began (its first match since it was last resolved).
    public private(set) var since: [AlertKey: Int64] = [:]

    public init(resolveAfter: Int) {
        self.resolveAfter = max(1, resolveAfter)
    }

    /// Whether `key` matched within the last ``resolveAfter`` judged ticks.
    public func isActive(_ key: AlertKey) -> Bool { quietTicks[key] != nil }

    /// Tracks keys known to have unresolved alerts (restored from the store at start), so that a
    /// restarted detector resolves them too.
    public mutating func track(_ keys: some Sequence<AlertKey>) {
        for key in keys where quietTicks[key] == nil { quietTicks[key] = 0 }
    }

    /// When `key`'s current episode began: its first match since it was last resolved (`nil`
    /// when it is not active, or was restored from the store and has not matched since).
    public func episodeStart(of key: AlertKey) -> Int64? { since[key] }

    /// One tick: `matched` keys start over, the others count one more quiet tick when `judged`;
    /// returns the keys that reached ``resolveAfter``, resolved at `now`, in key order.
    public mutating func tick(matched: Set<AlertKey>, judged: Bool, at now: Int64) -> [AlertResolution] {
        var resolved: [AlertResolution] = []
        for (key, quiet) in quietTicks where !matched.contains(key) && judged {
            if quiet + 1 >= resolveAfter {
                quietTicks[key] = nil
                since[key] = nil
                resolved.append(AlertResolution(key: key, resolvedAt: now))
            } else {
                quietTicks[key] = quiet + 1
            }
        }
        for key in matched {
            quietTicks[key] = 0
            if since[key] == nil { since[key] = now }
        }
        return resolved.sorted { $0.key < $1.key }
    }
}
