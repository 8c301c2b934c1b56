import WarehouseClient

/// What every Redshift collector's SQL shares.
enum RedshiftSQL {
    /// Starts every statement the exporter sends: Redshift records the exporter's polling like any
    /// query, with no application name to tell it by, and this is how it is recognised and left out.
    static let ownAnnotation = #"/* {"app":"warehouse_exporter"} */"#

    /// A query's `query_label` (SYS) or `label` (STL) as the app to fall back on: none when no
    /// query group was set (`default`).
    static func fallbackApp(label: String) -> String? {
        label == "default" || label.isEmpty ? nil : label
    }

    /// What lets the monitoring user see every user's rows in the system views.
    static let syslog = "ALTER USER <user> SYSLOG ACCESS UNRESTRICTED"
    /// What lets it read SVV_TABLE_INFO, which is for superusers otherwise.
    static let tableInfo = "GRANT SELECT ON svv_table_info TO <user>"

    /// Runs a collector's work; when Redshift refuses a view, the error says which grants the
    /// collector needs, so the one failing collector names its fix and the others go on.
    static func needing<Result>(_ grants: String..., work: () async throws -> Result) async throws -> Result {
        do {
            return try await work()
        } catch let error as WarehouseError where error.message.contains("permission denied") {
            throw WarehouseError(error.kind, "\(error.message); this collector needs: \(grants.joined(separator: "; ")) (docs/redshift.md)")
        }
    }
}
