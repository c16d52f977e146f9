extension Duration {
    /// Whole milliseconds (the outbox's unit), rounded down.
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }

    /// Seconds for messages: `10`, `2.5`.
    var secondsText: String { milliseconds % 1000 == 0 ? String(milliseconds / 1000) : String(Double(milliseconds) / 1000) }
}
