import Foundation
import QueryMetrics
import WarehouseClient

/// The page at `/`: every warehouse, its collectors, when each last worked and its last error,
/// and the heaviest statements whose queries nothing attributed (`app` is `unknown`): the next
/// job or tool to annotate. It shows where a DSN points (user, host, port, database), never the
/// DSN itself, and statements by their shape, never their text.
struct LandingPage {
    /// The configuration running now, which a reload changes.
    let config: @Sendable () -> ExporterConfig
    let status: StatusBoard
    let queries: QueryRecorder
    let telemetryPath: String

    /// The collectors whose queries can be unattributed.
    private static let queryCollectors: Set<String> = ["query_log", "query_history"]

    func render() -> String {
        var html = """
            <!DOCTYPE html>
            <html><head><meta charset="utf-8"><title>warehouse_exporter</title>
            <style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}.bad{color:#b00}</style>
            </head><body>
            <h1>warehouse_exporter</h1>
            <p>Version \(escape(BuildInfo.version)). Metrics: <a href="\(escape(telemetryPath))">\(escape(telemetryPath))</a>.
            Health: <a href="/-/healthy">/-/healthy</a>, <a href="/-/ready">/-/ready</a>.</p>

            """
        for warehouse in config().warehouses {
            let target = warehouse.safeTarget ?? "(invalid DSN)"
            html += "<h2>\(escape(warehouse.name)) <small>(\(warehouse.kind.rawValue), \(escape(target)))</small></h2>\n"
            html += "<table><tr><th>collector</th><th>interval</th><th>runs</th><th>last success</th><th>last error</th></tr>\n"
            for collector in [CollectorCatalog.health] + warehouse.collectors {
                let entry = status.entry(warehouse: warehouse.name, collector: collector) ?? .init()
                let error = entry.lastError.map { "<span class=\"bad\">\(escape($0)) (\(time(entry.lastErrorAt)))</span>" } ?? ""
                html += "<tr><td>\(escape(collector))</td><td>\(DurationParser.format(warehouse.interval(for: collector)))</td>"
                html += "<td>\(entry.runs)</td><td>\(time(entry.lastSuccess))</td><td>\(error)</td></tr>\n"
            }
            html += "</table>\n"
            html += unattributed(warehouse)
        }
        return html + "</body></html>\n"
    }

    /// The table of unattributed statements; nothing for a warehouse whose queries are not read.
    private func unattributed(_ warehouse: ExporterConfig.Warehouse) -> String {
        let statements = queries.unattributedStatements(warehouse: warehouse.name)
        guard !statements.isEmpty || !Self.queryCollectors.isDisjoint(with: warehouse.collectors) else { return "" }
        var html = "<h3>Unattributed statements (app=unknown), heaviest first</h3>\n"
        guard !statements.isEmpty else {
            return html + "<p>None: every query observed in the last \(DurationParser.format(queries.policy.seriesTTL)) had an app.</p>\n"
        }
        html += "<p>Queries no annotation or session named an app for. Annotate the job or tool that runs the heaviest; "
        html += "<code>warehouse:warehouse_query_unattributed_seconds:ratio_rate1h</code> is their share of the time. "
        html += "Statements are shown by their shape: literals are <code>?</code>.</p>\n"
        html += "<table><tr><th>fingerprint</th><th>executions</th><th>seconds</th><th>last seen</th><th>statement</th></tr>\n"
        for statement in statements {
            html += "<tr><td><code>\(statement.fingerprint)</code></td><td>\(statement.executions)</td>"
            html += "<td>\(String(format: "%.3f", statement.seconds))</td>"
            html += "<td>\(DurationParser.format(.seconds(Int(statement.idleSeconds)))) ago</td>"
            html += "<td><code>\(escape(statement.shape ?? "(no text)"))</code></td></tr>\n"
        }
        return html + "</table>\n"
    }

    private func time(_ seconds: Double?) -> String {
        seconds.map { Date(timeIntervalSince1970: $0).ISO8601Format() } ?? "never"
    }

    private func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
