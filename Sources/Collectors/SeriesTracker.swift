public import QueryMetrics
import Synchronization

/// Remembers which series a collector set in its last run, so a snapshot collector can remove
/// the series of things that are gone (a dropped table) instead of serving them forever.
public final class SeriesTracker: Sendable {
    private let remove: @Sendable ([String]) -> Void
    private let previous = Mutex<Set<[String]>>([])

    /// Tracks series of gauge and counter families that share label sets.
    public init(gauges: [GaugeFamily] = [], counters: [CounterFamily] = []) {
        remove = { labels in
            for family in gauges { family.remove(labels) }
            for family in counters { family.remove(labels) }
        }
    }

    /// Removes, from every tracked family, the label sets of the last run missing from this one.
    public func replace(with current: Set<[String]>) {
        let stale = previous.withLock { previous in
            defer { previous = current }
            return previous.subtracting(current)
        }
        for labels in stale { remove(labels) }
    }
}
