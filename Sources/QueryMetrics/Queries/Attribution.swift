public import SQLText

/// Who ran a query and why: the context its annotations give, and what the warehouse itself knows
/// of the session for what the annotations do not say. Every record the query families observe
/// carries one; the label policy turns it into label values (``LabelValues``).
public struct Attribution: Sendable, Hashable {
    /// From the statement's annotations.
    public var context: QueryContext
    /// `app` when the annotations give none: Redshift's query_group label or PostgreSQL's
    /// application_name. `unknown` when this is empty too.
    public var fallbackApp: String?
    /// `user` when the annotations give none: the database user.
    public var databaseUser: String?

    public init(context: QueryContext = QueryContext(), fallbackApp: String? = nil, databaseUser: String? = nil) {
        self.context = context
        self.fallbackApp = fallbackApp
        self.databaseUser = databaseUser
    }

    /// The `app` of a query nothing attributed: no annotation named an app, and the session gave
    /// none either.
    public static let unknownApp = "unknown"

    /// The `app` the label policy reports: the annotation's, else the fallback, else `unknown`.
    public var app: String {
        context.app ?? fallbackApp.flatMap { $0.isEmpty ? nil : $0 } ?? Self.unknownApp
    }

    /// Whether the query's `app` is `unknown`: it counts as unattributed in the recording rules,
    /// and its statement may be listed on the landing page (``UnattributedStatement``). An app
    /// that an annotation or a session names `unknown` counts too: the label cannot tell them apart.
    public var isUnattributed: Bool { app == Self.unknownApp }
}
