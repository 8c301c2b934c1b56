/// Capped exponential backoff with jitter, for reconnecting to a warehouse that went away.
///
/// Each delay is drawn from the upper half of `min(maximum, initial × 2^(failures-1))`, so
/// several exporters (or collectors) that lost the same server do not reconnect in lockstep,
/// yet none waits less than half the nominal delay.
public struct Backoff: Sendable {
    public let initial: Duration
    public let maximum: Duration
    public private(set) var failures = 0

    public init(initial: Duration = .seconds(1), maximum: Duration = .seconds(30)) {
        precondition(initial > .zero && maximum >= initial, "backoff needs 0 < initial <= maximum")
        self.initial = initial
        self.maximum = maximum
    }

    /// Counts a failed attempt and returns how long to wait before the next one.
    public mutating func recordFailure<G: RandomNumberGenerator>(using generator: inout G) -> Duration {
        failures += 1
        let exponent = min(failures - 1, 30)
        let nominal = min(maximum, initial * (1 << exponent))
        return nominal * Double.random(in: 0.5...1.0, using: &generator)
    }

    public mutating func recordFailure() -> Duration {
        var generator = SystemRandomNumberGenerator()
        return recordFailure(using: &generator)
    }

    public mutating func reset() {
        failures = 0
    }
}
