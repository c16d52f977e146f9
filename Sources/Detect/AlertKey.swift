/// What an alert is about: one category of anomaly in one scope (a service, or all services).
///
/// The unit of everything that follows a rule firing: at most one alert per key within the
/// cooldown, an alert per key per tick at most, and a key's alerts are resolved together once its
/// rule stops matching. Keying by scope as well as category is what lets `search` alert while
/// `payments` is still in its cooldown.
public struct AlertKey: Sendable, Hashable, Comparable {
    public var category: AnomalyCategory
    public var scope: Scope

    public init(_ category: AnomalyCategory, _ scope: Scope) {
        self.category = category
        self.scope = scope
    }

    /// Categories in declaration order, then the overall scope before services by name.
    public static func < (a: AlertKey, b: AlertKey) -> Bool {
        let order = AnomalyCategory.allCases
        let (ca, cb) = (order.firstIndex(of: a.category) ?? 0, order.firstIndex(of: b.category) ?? 0)
        return ca != cb ? ca < cb : a.scope < b.scope
    }
}
