import Prometheus
import QueryMetrics

/// The same 10,000 histogram series built with swift-prometheus directly: what the query families
/// would cost if they were handles in its registry, and why they are not.
enum SwiftPrometheusBaseline {
    static var duration: MetricNameDescriptor { MetricNameDescriptor(metricName: "warehouse_query_duration", unitName: "seconds", helpText: "d") }
    static var queue: MetricNameDescriptor { MetricNameDescriptor(metricName: "warehouse_query_queue", unitName: "seconds", helpText: "q") }
    static let labelNames = ["warehouse", "database", "app", "user", "dag", "task", "dashboard", "model", "query_type"]

    /// A registry holding `databases` × (duration, queue) series with one observation each.
    static func registry(databases: Int) -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        let record = Records.record(0)
        let context = record.attribution.context
        for index in 0..<databases {
            let values = [
                record.warehouse, "db\(index)", context.app ?? "", context.user ?? "", context.dag ?? "",
                context.task ?? "", context.dashboard ?? "", context.model ?? "", record.queryType,
            ]
            let labels = Array(zip(labelNames, values)).filter { !$0.1.isEmpty }
            registry.makeValueHistogram(descriptor: duration, labels: labels + [("status", "success")], buckets: HistogramBuckets.defaultBounds)
                .record(record.durationSeconds)
            registry.makeValueHistogram(descriptor: queue, labels: labels, buckets: HistogramBuckets.defaultBounds)
                .record(record.queueSeconds ?? 0)
        }
        return registry
    }

    /// A registry holding the tables collector's gauges for `tables` tables: nine families, one
    /// series each per table, as the exporter kept them on swift-prometheus before its own stores.
    static func tableGauges(tables: Int) -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        for family in Records.tableFamilies {
            let descriptor = MetricNameDescriptor(metricName: family.name, unitName: "", helpText: family.help)
            for index in 0..<tables {
                registry.makeGauge(descriptor: descriptor, labels: Array(zip(family.labelNames, Records.tableLabels(index))))
                    .set(Double(index))
            }
        }
        return registry
    }
}
