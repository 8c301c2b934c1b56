/// The series of one family: label values → a slot, with each series' escaped label text (built
/// once) and when it was last updated. Slots of removed series are reused, so the per-slot arrays
/// of the families that own a table never shrink and never move.
struct SeriesTable {
    let labelNames: [String]
    private(set) var index: [[String]: Int] = [:]
    private(set) var labelValues: [[String]?] = []
    private(set) var labelText: [[UInt8]] = []
    private(set) var lastUpdate: [Double] = []
    private var free: [Int] = []

    init(labelNames: [String]) {
        self.labelNames = labelNames
    }

    var count: Int { index.count }

    /// The slot of an existing series.
    func slot(_ values: [String]) -> Int? { index[values] }

    /// Creates a series; `isNew` tells the owner to reset (or append) its per-slot data.
    mutating func insert(_ values: [String], now: Double) -> (slot: Int, isNew: Bool) {
        let text = ExpositionWriter.labelText(names: labelNames, values: values)
        if let slot = free.popLast() {
            index[values] = slot
            labelValues[slot] = values
            labelText[slot] = text
            lastUpdate[slot] = now
            return (slot, false)
        }
        let slot = labelValues.count
        index[values] = slot
        labelValues.append(values)
        labelText.append(text)
        lastUpdate.append(now)
        return (slot, true)
    }

    mutating func touch(_ slot: Int, now: Double) {
        lastUpdate[slot] = now
    }

    /// Removes one series; its slot is reused by the next one created.
    mutating func remove(_ values: [String]) {
        guard let slot = index.removeValue(forKey: values) else { return }
        labelValues[slot] = nil
        labelText[slot] = []
        free.append(slot)
    }

    /// Removes the series `sweep` selects, returning their slots and label values.
    mutating func remove(_ sweep: SeriesSweep) -> [(slot: Int, values: [String])] {
        var removed: [(slot: Int, values: [String])] = []
        for slot in labelValues.indices {
            guard let values = labelValues[slot], sweep.removes(values, labelNames: labelNames, lastUpdate: lastUpdate[slot]) else { continue }
            remove(values)
            removed.append((slot, values))
        }
        return removed
    }

    /// The label values of every live series.
    var liveValues: [[String]] { labelValues.compactMap { $0 } }

    /// Live slots, in slot order (creation order, with reused slots in their old place).
    var liveSlots: some Sequence<Int> {
        labelValues.indices.lazy.filter { labelValues[$0] != nil }
    }
}
