/// Turns the annotations of one statement into canonical fields (the mapping of
/// docs/annotations.md) and merges them.
///
/// Precedence: for each field, the annotation of the best ``AnnotationSource/precedence`` that
/// has it wins, and among equals the first in the text. Within one annotation: the user's
/// aliases, then the format's own keys, then the generic aliases, then the tool's implied `app`.
struct ContextResolver {
    /// The user's aliases in a fixed order, so a key aliased twice resolves the same way each time.
    private let aliases: [(key: String, field: ContextField)]

    init(rules: AnnotationRules) {
        aliases = rules.aliases.map { (key: $0.key, field: $0.value) }.sorted { $0.key < $1.key }
    }

    /// Keys each format maps instead of the generic aliases, in order of preference; a field a
    /// format lists takes no generic alias.
    private static let formatKeys: [AnnotationSource: [(ContextField, [String])]] = [
        // Outside a node, dbt names the connection instead, and a node's connection is named
        // after the node: see ``isDBTNode(_:)``.
        .dbt: [(.model, ["node_id"])],
        // Looker's comment carries `user_id`, `history_slug` and `instance_slug`: only the user
        // is a field.
        .looker: [(.user, ["user_id"])],
        .metabase: [(.user, ["userid", "optional_user_id"]), (.dashboard, ["dashboard_id", "dashboardid"]),
                    (.chart, ["chart_id", "cardid", "card_id"])],
        // Redash's `Task ID` is its Celery job, not an orchestrator task: no key gives `task`.
        .redash: [(.user, ["username"]), (.chart, ["query_id"]), (.task, [])],
        .chartio: [(.user, ["user_email"]), (.dashboard, ["dashboard_slug", "dashboard_id"]), (.chart, ["chart_id"])],
        .periscope: [(.user, ["user_email"]), (.dashboard, ["dashboard_id"]), (.chart, ["chart_name"])],
        .mode: [(.user, ["email", "user"])],
        .hex: [(.user, ["user_email"]), (.dashboard, ["project_name", "project_id"])],
        .sigma: [(.user, ["email"])],
        .lightdash: [(.user, ["user_uuid"]), (.dashboard, ["dashboard_uuid"]), (.chart, ["chart_uuid"])],
        .datadog: [(.app, ["ddps"])],
        .sqlcommenter: [(.app, ["application", "app", "service", "service.name"])],
        .marginalia: [(.app, ["application", "app"])],
    ]

    /// Values a tool writes where it has nothing to say: Redash's `query_id` of a query that was
    /// never saved is `adhoc`, which names no chart.
    private static let placeholders: [AnnotationSource: [(ContextField, String)]] = [
        .redash: [(.chart, "adhoc")],
    ]

    /// The kinds of dbt node whose unique id (`model.shop.orders`) names a connection.
    private static let dbtNodeTypes = [
        "model.", "seed.", "snapshot.", "test.", "unit_test.", "source.", "analysis.", "operation.", "sql_operation.",
    ]

    /// Keys that mean a canonical field in any format, in order of preference.
    private static let genericKeys: [(ContextField, [String])] = [
        (.app, ["app", "application", "app_name", "application_name"]),
        (.user, ["user", "username", "user_name", "user_email", "email", "user_id", "userid"]),
        (.dag, ["dag", "dag_id"]),
        (.task, ["task", "task_id"]),
        (.dashboard, ["dashboard", "dashboard_id", "dashboardid"]),
        (.chart, ["chart", "chart_id", "chartid", "card_id", "cardid"]),
        (.model, ["model", "model_name", "node_id"]),
    ]

    /// ``genericKeys`` by key: the field each means and its rank among that field's keys.
    private static let genericRanks: [String: (field: ContextField, rank: Int)] = Dictionary(
        genericKeys.flatMap { field, keys in keys.enumerated().map { ($1, (field, $0)) } }, uniquingKeysWith: { first, _ in first })

    struct Resolution {
        var source: AnnotationSource
        var context: QueryContext
        var attributes: [Attribute]
    }

    func resolve(_ annotations: [Annotation]) -> Resolution {
        // The common case, one annotation: nothing to rank or merge.
        if annotations.count == 1, let annotation = annotations.first {
            return Resolution(source: annotation.source, context: fields(of: annotation), attributes: annotation.attributes)
        }
        var context = QueryContext()
        let ranked = annotations.enumerated().sorted { ($0.element.source.precedence, $0.offset) < ($1.element.source.precedence, $1.offset) }
        for (_, annotation) in ranked {
            let fields = self.fields(of: annotation)
            for field in ContextField.allCases where context[field] == nil {
                context[field] = fields[field]
            }
        }
        var attributes: [Attribute] = []
        var keys: Set<String> = []
        for annotation in annotations {
            for attribute in annotation.attributes where keys.insert(attribute.key).inserted {
                attributes.append(attribute)
            }
        }
        return Resolution(source: ranked.first?.element.source ?? .none, context: context, attributes: attributes)
    }

    /// The canonical fields one annotation gives.
    func fields(of annotation: Annotation) -> QueryContext {
        // An annotation has a handful of keys: a list searched in order costs less than a
        // dictionary built for each statement.
        var values: [(key: String, value: String)] = []
        values.reserveCapacity(annotation.attributes.count)
        for attribute in annotation.attributes where !attribute.value.isEmpty {
            let key = Self.normalizedKey(attribute.key)
            if !values.contains(where: { $0.key == key }) { values.append((key, attribute.value)) }
        }
        func value(_ key: String) -> String? { values.first { $0.key == key }?.value }
        var context = QueryContext()
        for (key, field) in aliases where context[field] == nil {
            context[field] = value(key)
        }
        if case .pattern = annotation.source {
            for field in ContextField.allCases where context[field] == nil { context[field] = value(field.rawValue) }
        }
        let formatKeys = Self.formatKeys[annotation.source] ?? []
        for (field, keys) in formatKeys where context[field] == nil {
            context[field] = keys.lazy.compactMap { value($0) }.first
        }
        if annotation.source == .dbt, context.model == nil, let connection = value("connection_name"), Self.isDBTNode(connection) {
            context.model = connection
        }
        if annotation.source == .mode, let url = value("url") {
            if context.dashboard == nil { context.dashboard = Self.pathSegment(after: "/reports/", in: url) }
            if context.chart == nil { context.chart = Self.pathSegment(after: "/queries/", in: url) }
        }
        // Each key looked up once in a table of the generic keys, rather than each of the dozens
        // of generic keys among the annotation's few.
        var generic: [(field: ContextField, rank: Int, value: String)] = []
        for (key, found) in values {
            guard let (field, rank) = Self.genericRanks[key] else { continue }
            if let index = generic.firstIndex(where: { $0.field == field }) {
                if rank < generic[index].rank { generic[index] = (field, rank, found) }
            } else {
                generic.append((field, rank, found))
            }
        }
        for (field, _, found) in generic where context[field] == nil && !formatKeys.contains(where: { $0.0 == field }) {
            context[field] = found
        }
        for (field, placeholder) in Self.placeholders[annotation.source] ?? [] where context[field] == placeholder {
            context[field] = nil
        }
        if context.app == nil { context.app = annotation.source.impliedApp }
        return context
    }

    /// Whether a dbt connection name is a node's unique id: dbt names the connection a node runs
    /// on after the node, and its default comment then gives the name instead of the node.
    private static func isDBTNode(_ name: String) -> Bool {
        dbtNodeTypes.contains { name.hasPrefix($0) && name.utf8.count > $0.utf8.count }
    }

    /// Lowercase, with `-` and blanks as `_`: `Query ID` → `query_id`, `userID` → `userid`.
    static func normalizedKey(_ key: String) -> String {
        // Most keys are already lowercase snake_case: no copy for them.
        if key.utf8.allSatisfy({ !(0x41...0x5A).contains($0) && $0 != 0x20 && $0 != 0x2D }) { return key }
        // An ASCII key (Metabase's `userID`) byte by byte, into the String's own storage.
        if key.utf8.allSatisfy({ $0 < 0x80 }) {
            return String(unsafeUninitializedCapacity: key.utf8.count) { buffer in
                for (index, byte) in key.utf8.enumerated() {
                    buffer[index] =
                        switch byte {
                        case 0x41...0x5A: byte + 0x20
                        case 0x20, 0x2D: 0x5F
                        default: byte
                        }
                }
                return key.utf8.count
            }
        }
        return String(key.lowercased().map { $0 == " " || $0 == "-" ? "_" : $0 })
    }

    /// The path segment after `marker` in a URL: `/reports/9f82…/runs` → `9f82…`.
    private static func pathSegment(after marker: String, in url: String) -> String? {
        guard let range = url.firstRange(of: marker) else { return nil }
        let segment = url[range.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        return segment.isEmpty ? nil : String(segment)
    }
}
