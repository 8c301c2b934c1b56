public import QueryMetrics
public import WarehouseClient

/// How the exporter tells its own polling from the warehouse's work, which the warehouse records
/// alike. Every statement the exporter sends starts with ``annotation``, and every session it
/// opens registers its server process id (``SessionRegistry``). A statement is the exporter's when
/// it carries the annotation *and* ran in one of those sessions: a comment or an application name
/// can be copied by anyone, a session's process id cannot, so no one hides their work from the
/// metrics by dressing it as the exporter's, and a DSN that renames the exporter's sessions does
/// not make its polling count.
public enum OwnStatements {
    /// The exporter's name: its annotation's `app`, and its sessions' `application_name` unless
    /// the DSN sets another.
    public static let app = ConnectionSettings.defaultApplicationName

    /// Starts every statement the exporter sends.
    public static let annotation = #"/* {"app":"warehouse_exporter"} */"#

    /// Whether a statement so attributed, recorded as run by the server process `session`, is the
    /// exporter's own: its annotation names the exporter and the process is one of its sessions.
    public static func contains(_ attribution: Attribution, session: Int64?, in sessions: SessionRegistry) -> Bool {
        attribution.context.app == app && sessions.contains(session)
    }

    /// For a source that keeps no session, only totals per role (`pg_stat_statements`): the
    /// annotation together with the role the exporter connects as. Another role's copy of the
    /// annotation is counted; the exporter's own role is taken to be the exporter's alone.
    public static func contains(_ attribution: Attribution, ranAsExportersRole: Bool) -> Bool {
        attribution.context.app == app && ranAsExportersRole
    }
}
