/// The tool or format an annotation was recognised as: the `source` of `annotate` output.
public enum AnnotationSource: Hashable, Sendable, CustomStringConvertible {
    case intermix, airflow, dbt, looker, metabase, redash, chartio, periscope, mode, hex, sigma
    case lightdash, hasura
    /// Amazon Redshift Query Editor v2, which marks each statement it runs with `/* RQEV2-… */`.
    case queryEditorV2
    case sqlcommenter, datadog, marginalia
    /// A JSON object from no tool we know.
    case json
    /// A `key=value` list from no tool we know.
    case keyValue
    /// A user's own pattern from the configuration, by its name.
    case pattern(String)
    case none

    /// Every source the reader recognises by itself, in the order docs/annotations.md lists them
    /// (a pattern's source is its name, and `none` is no annotation at all).
    public static let builtIn: [AnnotationSource] = [
        .intermix, .airflow, .dbt, .looker, .metabase, .redash, .chartio, .periscope, .mode, .hex, .sigma,
        .lightdash, .hasura, .queryEditorV2, .sqlcommenter, .datadog, .marginalia, .json, .keyValue,
    ]

    public var description: String {
        switch self {
        case .intermix: "intermix"
        case .airflow: "airflow"
        case .dbt: "dbt"
        case .looker: "looker"
        case .metabase: "metabase"
        case .redash: "redash"
        case .chartio: "chartio"
        case .periscope: "periscope"
        case .mode: "mode"
        case .hex: "hex"
        case .sigma: "sigma"
        case .lightdash: "lightdash"
        case .hasura: "hasura"
        case .queryEditorV2: "query_editor_v2"
        case .sqlcommenter: "sqlcommenter"
        case .datadog: "datadog"
        case .marginalia: "marginalia"
        case .json: "json"
        case .keyValue: "keyvalue"
        case .pattern(let name): name
        case .none: "none"
        }
    }

    /// Which annotation wins a canonical field when several set it (lower wins): the user's own
    /// patterns, then tools, then tracing-style key lists, then generic JSON and key=value.
    var precedence: Int {
        switch self {
        case .pattern: 0
        case .intermix, .airflow, .dbt, .looker, .metabase, .redash, .chartio, .periscope, .mode, .hex, .sigma,
             .lightdash, .hasura, .queryEditorV2:
            1
        case .sqlcommenter, .datadog, .marginalia: 2
        case .json, .keyValue: 3
        case .none: 4
        }
    }

    /// The `app` a tool's annotations stand for, when the tool does not name one itself.
    var impliedApp: String? {
        switch self {
        case .airflow, .dbt, .looker, .metabase, .redash, .chartio, .periscope, .mode, .hex, .sigma, .lightdash, .hasura,
             .queryEditorV2:
            description
        default: nil
        }
    }
}
