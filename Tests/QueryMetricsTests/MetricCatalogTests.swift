import Foundation
import QueryMetrics
import Testing

/// The families the exporter serves are declared once; the registry and the documentation agree
/// with those declarations.
@Suite struct MetricCatalogTests {
    static let families = MetricCatalog().registry.families

    @Test func everyFamilyIsRegisteredOnceWithValidNamesAndLabels() {
        let names = Self.families.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(names.count == 73)  // a new family changes this on purpose, with its line in docs/metrics.md
        for family in Self.families {
            let labels = family.labelNames(Set(LabelPolicy.Dimension.allCases))
            #expect(labels.allSatisfy(MetricFamily.isValidLabelName), "\(family.name): \(labels)")
            #expect(!labels.contains("le") && !labels.contains("quantile"), "\(family.name) uses a reserved label")
            #expect(family.kind != .counter || family.name.hasSuffix("_total"), "\(family.name)")
            #expect(family.kind == .counter || !family.name.hasSuffix("_total"), "\(family.name)")
        }
    }

    @Test func docsMetricsNamesEveryFamily() throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/metrics.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        let missing = Self.families.map(\.name).filter { !text.contains("`\($0)`") && !text.contains("`\($0){") }
        #expect(missing.isEmpty, "docs/metrics.md does not name \(missing)")
    }

    /// The policy turns context labels on and off; the order of those left stays the declared one.
    @Test func contextLabelsFollowThePolicy() {
        #expect(MetricFamily.queryDuration.labelNames([.app, .user, .chart]) == ["warehouse", "database", "app", "user", "chart", "query_type", "status"])
        #expect(MetricFamily.statementDuration.labelNames([.app, .user, .dag]) == ["warehouse", "app", "dag", "fingerprint"])
        // Writes carry the chart whatever the policy says: step 5 of the root-cause walk.
        #expect(MetricFamily.tableWrites.labelNames([.app]) == ["warehouse", "schema", "table", "operation", "app", "chart"])
    }
}
