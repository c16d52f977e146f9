/// Number formatting for alert descriptions, without Foundation: fixed one decimal place.
enum Formatting {
    /// `0.3` → `"30.0%"`.
    static func percent(_ rate: Double) -> String {
        oneDecimal(rate * 100) + "%"
    }

    /// `6.04` → `"6.0×"`.
    static func multiplier(_ value: Double) -> String {
        oneDecimal(value) + "×"
    }

    static func oneDecimal(_ value: Double) -> String {
        guard value.isFinite else { return value > 0 ? "inf" : value < 0 ? "-inf" : "nan" }
        let tenths = Int64((value * 10).rounded())
        let sign = tenths < 0 ? "-" : ""
        let magnitude = tenths.magnitude
        return "\(sign)\(magnitude / 10).\(magnitude % 10)"
    }
}
