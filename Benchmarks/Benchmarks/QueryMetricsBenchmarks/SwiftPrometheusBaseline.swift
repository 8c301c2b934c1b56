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
        for index in 0..<databases {
            let values = [
                record.warehouse, "db\(index)", record.context.app ?? "", record.context.user ?? "", record.context.dag ?? "",
                record.context.task ?? "", record.context.dashboard ?? "", record.context.model ?? "", record.queryType,
            ]
            let labels = Array(zip(labelNames, values)).filter { !$0.1.isEmpty }
            registry.makeValueHistogram(descriptor: duration, labels: labels + [("status", "success")], buckets: QueryRecorder.buckets)
                .record(record.durationSeconds)
            registry.makeValueHistogram(descriptor: queue, labels: labels, buckets: QueryRecorder.buckets)
                .record(record.queueSeconds)
        }
        return registry
    }
}
