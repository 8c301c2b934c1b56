/// The series of one counter family, stored flat like ``HistogramStore``.
struct CounterStore {
    let name: String
    let help: String
    private(set) var table: SeriesTable
    private var values: [Double] = []

    init(name: String, help: String, labelNames: [String]) {
        self.name = name
        self.help = help
        self.table = SeriesTable(labelNames: labelNames)
    }

    var seriesCount: Int { table.count }

    func slot(_ values: [String]) -> Int? { table.slot(values) }

    mutating func insert(_ labelValues: [String], now: Double) -> Int {
        let (slot, isNew) = table.insert(labelValues, now: now)
        if isNew { values.append(0) } else { values[slot] = 0 }
        return slot
    }

    /// Adds `amount` (negative amounts are ignored: a counter only goes up).
    mutating func add(_ amount: Double, slot: Int, now: Double) {
        if amount > 0 { values[slot] += amount }
        table.touch(slot, now: now)
    }

    /// The slot of the series with these label values, created if needed (for families without a
    /// label policy, such as the overflow counter).
    mutating func slot(for labelValues: [String], now: Double) -> Int {
        slot(labelValues) ?? insert(labelValues, now: now)
    }

    func value(_ labelValues: [String]) -> Double? {
        slot(labelValues).map { values[$0] }
    }

    mutating func removeIdle(before cutoff: Double) -> [[String]] {
        table.removeIdle(before: cutoff).map(\.values)
    }

    func emit(into buffer: inout [UInt8]) {
        guard table.count > 0 else { return }
        ExpositionWriter.header(name, help: help, type: "counter", into: &buffer)
        for slot in table.liveSlots {
            ExpositionWriter.sampleName(name, labels: table.labelText[slot], into: &buffer)
            ExpositionWriter.append(values[slot], into: &buffer)
            buffer.append(UInt8(ascii: "\n"))
        }
    }
}
