/// What ``GuardedFamily`` needs of a family's storage.
protocol SeriesStore {
    var name: String { get }
    var seriesCount: Int { get }
    func slot(_ values: [String]) -> Int?
    mutating func insert(_ values: [String], now: Double) -> Int
    mutating func removeIdle(before cutoff: Double) -> [[String]]
}

extension HistogramStore: SeriesStore {}
extension CounterStore: SeriesStore {}
