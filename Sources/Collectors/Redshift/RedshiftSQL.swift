import QueryMetrics
import SQLText
import WarehouseClient

/// What every Redshift collector's SQL shares.
enum RedshiftSQL {
    /// Who ran a query of the history views: its annotation's context, its `query_label` (SYS)
    /// or `label` (STL) as the app to fall back on (none when no query group was set: `default`),
    /// and its database user.
    static func attribution(_ context: QueryContext, label: String, user: String) -> Attribution {
        Attribution(context: context, fallbackApp: label == "default" || label.isEmpty ? nil : label, databaseUser: user)
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
        } catch let error as WarehouseError where error.isInsufficientPrivilege {
            throw WarehouseError(error.kind, "\(error.message); this collector needs: \(grants.joined(separator: "; ")) (docs/redshift.md)", sqlState: error.sqlState)
        }
    }
}
