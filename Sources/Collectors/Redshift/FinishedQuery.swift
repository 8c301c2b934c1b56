import QueryMetrics
import WarehouseClient

/// One finished query of a Redshift history view, whichever family of views it came from, with
/// its whole text.
struct FinishedQuery: Sendable {
    var id: Int64
    var database: String
    /// `query_label` (SYS) or `label` (STL): the query group, `default` when none was set.
    var label: String
    /// Redshift's query type in lower case; empty when the view does not say (STL).
    var type: String
    var status: QueryStatus
    var ended: RedshiftTimestamp
    var elapsedSeconds: Double
    var queueSeconds: Double
    var executionSeconds: Double
    /// The whole text, still in Redshift's stored form (`\n` escaped).
    var text: String
    var username: String

    /// The label as a fallback app: none for `default`.
    var fallbackApp: String? { label == "default" || label.isEmpty ? nil : label }
}
