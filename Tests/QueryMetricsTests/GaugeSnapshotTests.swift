import QueryMetrics
import TestSupport
import Testing

/// A collector run's snapshot reaches a scrape whole: every family of it as before, or every family
/// as after, never the new tables in one family and the old in the next.
@Suite struct GaugeSnapshotTests {
    /// The `table` label values of `family` in a rendered exposition.
    static func tables(_ exposition: Exposition, _ family: String) -> Set<String> {
        exposition.labelValues("table", of: family)
    }

    @Test func aScrapeNeverSeesHalfASnapshot() async {
        let metrics = MetricCatalog()
        let families = [metrics.tableRows, metrics.tableSizeBytes, metrics.tableDeadRows]
        // Two generations of 200 tables each: a run sees one or the other.
        func snapshot(_ generation: String) -> GaugeSnapshot {
            var snapshot = GaugeSnapshot(families)
            for index in 0..<200 {
                let labels = ["w", "db", "s", "\(generation)\(index)"]
                for family in families { snapshot.set(family, labels, Double(index)) }
            }
            return snapshot
        }
        let (old, new) = (snapshot("old_"), snapshot("new_"))
        // Replacing and scraping at once, on two threads, as long as both take.
        let torn = await withTaskGroup(of: [String].self) { group in
            group.addTask {
                for round in 0..<400 { (round % 2 == 0 ? new : old).replace(owner: ["w"]) }
                return []
            }
            group.addTask {
                var torn: [String] = []
                for scrape in 0..<150 {
                    let exposition = Exposition(text: String(decoding: metrics.registry.render(), as: UTF8.self))
                    let sets = ["warehouse_table_rows", "warehouse_table_size_bytes", "warehouse_table_dead_rows"].map { Self.tables(exposition, $0) }
                    if sets.contains(where: { $0 != sets[0] }) || !(sets[0].isEmpty || sets[0].count == 200) {
                        torn.append("scrape \(scrape): \(sets.map(\.count))")
                    }
                }
                return torn
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
        #expect(torn.isEmpty, "\(torn.prefix(3))")
    }

    @Test func snapshotsOfSeveralOwnersReplaceTogether() {
        let metrics = MetricCatalog()
        var first = GaugeSnapshot([metrics.tableRows])
        first.set(metrics.tableRows, ["w", "a", "s", "t"], 1)
        var second = GaugeSnapshot([metrics.tableRows])
        second.set(metrics.tableRows, ["w", "b", "s", "t"], 2)
        metrics.tableRows.set(9, ["w", "a", "s", "gone"])
        GaugeSnapshot.replace([(["w", "a"], first), (["w", "b"], second)])
        #expect(metrics.tableRows.labelSets.sorted { $0.joined() < $1.joined() } == [["w", "a", "s", "t"], ["w", "b", "s", "t"]])
    }
}
