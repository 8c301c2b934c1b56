import Foundation
import WarehouseClient

/// The page at `/`: every warehouse, its collectors, when each last worked and its last error.
/// It shows where a DSN points (user, host, port, database), never the DSN itself.
struct LandingPage {
    let config: ExporterConfig
    let status: StatusBoard
    let telemetryPath: String

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
        for warehouse in config.warehouses {
            let target = (try? ConnectionInfo(parsing: warehouse.dsn).safeDescription) ?? "(invalid DSN)"
            html += "<h2>\(escape(warehouse.name)) <small>(\(warehouse.kind.rawValue), \(escape(target)))</small></h2>\n"
            html += "<table><tr><th>collector</th><th>interval</th><th>runs</th><th>last success</th><th>last error</th></tr>\n"
            for collector in [CollectorCatalog.health] + warehouse.collectors {
                let entry = status.entry(warehouse: warehouse.name, collector: collector) ?? .init()
                let error = entry.lastError.map { "<span class=\"bad\">\(escape($0)) (\(time(entry.lastErrorAt)))</span>" } ?? ""
                html += "<tr><td>\(escape(collector))</td><td>\(DurationParser.format(warehouse.interval(for: collector)))</td>"
                html += "<td>\(entry.runs)</td><td>\(time(entry.lastSuccess))</td><td>\(error)</td></tr>\n"
            }
            html += "</table>\n"
        }
        return html + "</body></html>\n"
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
