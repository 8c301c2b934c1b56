/// Which series a sweep removes: those not updated since a time (the label policy's TTL), or every
/// series of one warehouse (a warehouse taken out of the configuration at a reload).
enum SeriesSweep {
    case idle(before: Double)
    case warehouse(String)

    /// Whether the series with `values` (of a family labelled `labelNames`), last updated at
    /// `lastUpdate`, goes. A family without a leading `warehouse` label belongs to no warehouse.
    func removes(_ values: [String], labelNames: [String], lastUpdate: Double) -> Bool {
        switch self {
        case .idle(let cutoff): lastUpdate < cutoff
        case .warehouse(let warehouse): labelNames.first == "warehouse" && values.first == warehouse
        }
    }
}
