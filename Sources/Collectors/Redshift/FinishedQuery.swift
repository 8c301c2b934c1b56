import QueryMetrics
import SQLText
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
    /// When it ended, in seconds since the epoch.
    var endedAt: Double { Double(ended.microseconds) / 1_000_000 }
    var elapsedSeconds: Double
    var queueSeconds: Double
    var executionSeconds: Double
    /// The whole text, put together from the text view, when the history's stored text was cut;
    /// otherwise the text is read from `row`'s `text` column where libpq keeps it.
    var wholeText: String?
    var row: Row
    var username: String
    /// The server process of its session (`session_id`, STL's `pid`), which tells the exporter's
    /// own queries (``OwnStatements``).
    var session: Int64?

    /// Whether it is the exporter's own, by its annotation and its session.
    func isOwn(_ attribution: Attribution, _ context: CollectionContext) -> Bool {
        OwnStatements.contains(attribution, session: session, in: context.ownSessions)
    }

    /// Who ran it, with `context` from its annotation.
    func attribution(_ context: QueryContext) -> Attribution {
        RedshiftSQL.attribution(context, label: label, user: username)
    }

    /// The analysis of its text (stored form: padded, `\n` escaped), without copying it first.
    func analyze(_ analyzer: SQLAnalyzer) -> SQLAnalysis {
        if let wholeText { return analyzer.analyze(wholeText, storedEscapes: true) }
        // A NULL text (or no text column) is read as an empty statement.
        return (try? row.withBytes("text") { bytes in bytes.map { analyzer.analyze(utf8: $0, storedEscapes: true) } }) ?? analyzer.analyze("")
    }

    /// Its shape, for the landing page's unattributed statements: read like ``analyze(_:)``.
    func shape(_ analyzer: SQLAnalyzer) -> String {
        let limit = UnattributedStatement.shapeLimit
        if let wholeText { return analyzer.shape(of: wholeText, storedEscapes: true, limit: limit) }
        return (try? row.withBytes("text") { bytes in bytes.map { analyzer.shape(utf8: $0, storedEscapes: true, limit: limit) } }) ?? ""
    }
}
