extension Duration {
    /// The duration in (fractional) seconds, the recorder's time unit.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
