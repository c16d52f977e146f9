/// Decides whether an alert of a category may be raised now: at most one per category per
/// cooldown period, so one incident is one alert, not one per tick.
///
/// A protocol because the in-memory policy forgets on restart and is per process; the store
/// provides one whose check-and-set is a single atomic conditional write, shared by every Vigil
/// process on the same database. `admit` is that check-and-set: it must record the alert's time
/// when (and only when) it returns `true`.
public protocol CooldownPolicy: Sendable {
    mutating func admit(_ category: AnomalyCategory, at seconds: Int64) -> Bool
}

/// Cooldowns held in this process only: the last admitted time per category.
public struct InMemoryCooldown: CooldownPolicy, Hashable {
    public var cooldownSeconds: Int64
    /// Last admitted alert time per category (public so it can be seeded from a store).
    public var lastAlertAt: [AnomalyCategory: Int64]

    public init(cooldownSeconds: Int64 = 900, lastAlertAt: [AnomalyCategory: Int64] = [:]) {
        self.cooldownSeconds = cooldownSeconds
        self.lastAlertAt = lastAlertAt
    }

    /// Admitted when no alert of `category` was admitted in the last `cooldownSeconds`: at
    /// exactly `last + cooldownSeconds` the cooldown is over.
    public mutating func admit(_ category: AnomalyCategory, at seconds: Int64) -> Bool {
        if let last = lastAlertAt[category], seconds < last + cooldownSeconds { return false }
        lastAlertAt[category] = seconds
        return true
    }
}
