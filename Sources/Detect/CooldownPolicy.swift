/// Decides whether an alert may be raised now: at most one per ``AlertKey`` (category and scope)
/// per cooldown period, so one incident in one service is one alert, not one per tick — while
/// another service's alert is not held back by it.
///
/// A protocol because the in-memory policy forgets on restart and is per process; the store
/// provides one whose check-and-set is a single atomic conditional write, shared by every Vigil
/// process on the same database. `admit` is that check-and-set: it must record the alert's time
/// when (and only when) it returns `true`.
public protocol CooldownPolicy: Sendable {
    mutating func admit(_ key: AlertKey, at seconds: Int64) -> Bool
}

/// Cooldowns held in this process only: the last admitted time per key.
public struct InMemoryCooldown: CooldownPolicy, Hashable {
    public var cooldownSeconds: Int64
    /// Last admitted alert time per key (public so it can be seeded from a store).
    public var lastAlertAt: [AlertKey: Int64]

    public init(cooldownSeconds: Int64 = 900, lastAlertAt: [AlertKey: Int64] = [:]) {
        self.cooldownSeconds = cooldownSeconds
        self.lastAlertAt = lastAlertAt
    }

    /// Admitted when no alert of `key` was admitted in the last `cooldownSeconds`: at exactly
    /// `last + cooldownSeconds` the cooldown is over.
    public mutating func admit(_ key: AlertKey, at seconds: Int64) -> Bool {
        if let last = lastAlertAt[key], seconds < last + cooldownSeconds { return false }
        lastAlertAt[key] = seconds
        return true
    }
}
