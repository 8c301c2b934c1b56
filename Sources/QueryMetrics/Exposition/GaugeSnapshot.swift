/// What one run of a snapshot collector saw, family by family: the samples that replace, at the
/// end of the run, the series an owner (a warehouse, a table) had in each family, so a table that
/// is gone or a value that is no longer known stops being served.
public struct GaugeSnapshot: Sendable {
    private let families: [GaugeFamily]
    private var samples: [[(labels: [String], value: Double)]]

    /// A snapshot of `families`: each of them is replaced, even with no sample at all.
    public init(_ families: [GaugeFamily]) {
        self.families = families
        samples = Array(repeating: [], count: families.count)
    }

    /// Adds a sample of `family`, one of the snapshot's; a nil value adds none.
    public mutating func set(_ family: GaugeFamily, _ labels: [String], _ value: Double?) {
        guard let value else { return }
        guard let index = families.firstIndex(where: { $0 === family }) else {
            preconditionFailure("\(family.name) is not in this snapshot")
        }
        samples[index].append((labels, value))
    }

    /// Adds every sample of `other`, a snapshot of the same families.
    public mutating func add(_ other: GaugeSnapshot) {
        precondition(zip(families, other.families).allSatisfy { $0 === $1 }, "snapshots of different families")
        for index in samples.indices { samples[index] += other.samples[index] }
    }

    /// Makes the samples the whole set of `owner`'s series in each family, at once for a scrape.
    public func replace(owner: [String]) {
        Self.replace([(owner, self)])
    }

    /// Replaces each owner's series with its snapshot's samples, all at once for a scrape: one
    /// that renders meanwhile sees every family as it was before or every family as it is after,
    /// never some of each (a table in one family and already gone from the next).
    public static func replace(_ snapshots: [(owner: [String], snapshot: GaugeSnapshot)]) {
        guard let lock = snapshots.first?.snapshot.families.first?.renderLock else { return }
        precondition(
            snapshots.allSatisfy { $0.snapshot.families.allSatisfy { $0.renderLock === lock } }, "snapshots of families of different registries")
        lock.withLock {
            for (owner, snapshot) in snapshots {
                for (family, samples) in zip(snapshot.families, snapshot.samples) { family.replace(owner: owner, with: samples) }
            }
        }
    }
}
