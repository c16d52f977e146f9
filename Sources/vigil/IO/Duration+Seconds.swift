extension Duration {
    /// As a `Double` of seconds, for rates in progress lines and summaries.
    var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
