/// How far `query_history` has read: the latest end time seen, and the query ids seen within the
/// overlap window before it, so rows that Redshift publishes late are counted once, and none twice.
public struct QueryHistoryCursor: Codable, Equatable, Sendable {
    /// A place in a history view's order (end time, then query id): a page holds the rows after it.
    struct Position: Equatable, Sendable {
        var time: RedshiftTimestamp
        var id: Int64
    }

    /// The latest `end_time` seen.
    var high: RedshiftTimestamp
    /// Where reading began: what ended at or before it is history, never counted.
    var floor: RedshiftTimestamp
    /// Query id → end time, for the queries that ended within the overlap window.
    var seen: [Int64: RedshiftTimestamp]

    /// The position the next read starts after: the overlap window before `high`, with every
    /// query that ended exactly then (ids may be negative: ClickHouse's are hashes), but never
    /// before `floor` (and then after every query that ended exactly at it).
    func readStart(overlap: Double) -> Position {
        let window = high.adding(seconds: -overlap)
        return window > floor ? Position(time: window, id: .min) : Position(time: floor, id: .max)
    }

    /// Forgets the ids that ended before the window, and keeps at most `remembering` of those
    /// within it: memory and the state file stay bounded whatever the query rate. When the window
    /// holds more, the oldest are forgotten and ``floor`` moves up to their end time, so the next
    /// read starts after them: a row published later than that is missed, never counted twice.
    /// Returns whether the window was narrowed so.
    @discardableResult
    mutating func prune(overlap: Double, remembering: Int) -> Bool {
        let low = high.adding(seconds: -overlap)
        seen = seen.filter { $0.value >= low }
        guard seen.count > remembering else { return false }
        // Whole end times go, so the floor never splits the queries that ended at one instant.
        let cut = seen.values.sorted()[seen.count - remembering - 1]
        seen = seen.filter { $0.value > cut }
        floor = max(floor, cut)
        return true
    }
}

extension QueryHistoryCursor {
    /// The cursor of a first start at `start`: nothing seen, and everything that ended at or
    /// before it history.
    init(startingAt start: RedshiftTimestamp) {
        self.init(high: start, floor: start, seen: [:])
    }
}
