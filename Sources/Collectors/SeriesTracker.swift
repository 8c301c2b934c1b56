public import QueryMetrics
import Synchronization

/// Remembers which series a collector set in its last run, so a snapshot collector can remove
/// the series of things that are gone (a dropped table) instead of serving them forever.
public final class SeriesTracker: Sendable {
    private let families: [GaugeFamily]
    private let previous = Mutex<Set<[String]>>([])

    public init(_ families: [GaugeFamily]) {
        self.families = families
    }

    /// Removes, from every tracked family, the label sets of the last run missing from this one.
    public func replace(with current: Set<[String]>) {
        let stale = previous.withLock { previous in
            defer { previous = current }
            return previous.subtracting(current)
        }
        for labels in stale {
            for family in families { family.remove(labels) }
        }
    }
}
