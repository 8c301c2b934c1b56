/// A family's storage as the recorder renders and counts it.
protocol RenderedStore {
    var name: String { get }
    var seriesCount: Int { get }
    func emit(into buffer: inout [UInt8], format: ExpositionFormat)
}

/// What ``GuardedFamily`` needs of a family's storage.
protocol SeriesStore: RenderedStore {
    func slot(_ values: [String]) -> Int?
    mutating func insert(_ values: [String], now: Double) -> Int
    mutating func remove(_ sweep: SeriesSweep) -> [[String]]
}

extension HistogramStore: SeriesStore {}
extension ValueStore: SeriesStore {}
extension SnapshotStore: RenderedStore {}
