import QueryMetrics
import SQLText

/// Records that mirror `makeRecord` of the client_golang anchor (anchor-client-golang/main.go),
/// so both sides observe the same label values.
enum Records {
    static func record(_ index: Int, database: String = "db") -> QueryRecord {
        let context = QueryContext(
            app: "app\(index % 10)", user: "user\(index % 200)@corp.com", dag: "dag\(index % 20)", task: "task\(index % 10)",
            dashboard: index % 3 == 0 ? "dash\(index % 50)" : nil, model: index % 5 == 0 ? "model.shop.m\(index % 30)" : nil)
        return QueryRecord(
            warehouse: "analytics", database: database, attribution: Attribution(context: context), queryType: ["select", "insert", "update"][index % 3],
            status: index % 50 == 0 ? .failed : .success,
            durationSeconds: Double((index * 7919) % 10000) / 100, queueSeconds: Double((index * 104729) % 1000) / 1000,
            fingerprint: Fingerprint(UInt64(index % 100)))
    }

    /// The nine gauge families a tables collector sets per table.
    static let tableFamilies: [MetricFamily] = [
        .tableRows, .tableSizeBytes, .tableDeadRows, .tableLastModified, .tableLastVacuum, .tableLastAnalyze,
        .tableUnsortedRatio, .tableStatsOffRatio, .tableSkewRowsRatio,
    ]

    static func tableLabels(_ index: Int) -> [String] {
        ["analytics", "dev", "schema\(index % 20)", "table\(index)"]
    }

    /// The exporter's catalog holding the tables collector's gauges for `tables` tables.
    static func tableGauges(tables: Int) -> MetricCatalog {
        let metrics = MetricCatalog()
        let families = [
            metrics.tableRows, metrics.tableSizeBytes, metrics.tableDeadRows, metrics.tableLastModified, metrics.tableLastVacuum,
            metrics.tableLastAnalyze, metrics.tableUnsortedRatio, metrics.tableStatsOffRatio, metrics.tableSkewRowsRatio,
        ]
        var snapshot = GaugeSnapshot(families)
        for family in families {
            for index in 0..<tables { snapshot.set(family, tableLabels(index), Double(index)) }
        }
        snapshot.replace(owner: ["analytics"])
        return metrics
    }

    /// Caps far above the workloads, so the benchmarks measure storage and rendering, not folding.
    static var roomyPolicy: LabelPolicy {
        var policy = LabelPolicy()
        policy.maxValuesPerLabel = 1_000_000
        policy.maxSeriesPerMetric = 1_000_000
        policy.topStatements = 100
        return policy
    }

    /// Resident set size, from /proc/self/statm.
    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let pages = Int(text.split(separator: " ")[1]) ?? 0
        return pages * 4096
    }
}
