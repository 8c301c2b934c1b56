import Collectors
import SQLText
import Yams

/// The `profiles`, `freshness` and `checks` sections of a warehouse. Everything that can be
/// checked without the warehouse is checked here, each error naming the check and the problem:
/// names, label columns, kinds, read-only SQL, the options each warehouse kind supports.
extension YAMLReading {
    func dataChecks(_ fields: Node.Mapping, kind: ExporterConfig.Warehouse.Kind) throws(ConfigError) -> DataCheckOptions {
        var options = DataCheckOptions()
        // ClickHouse reads backslash escapes in string literals, as Redshift does.
        let dialect: SQLDialect = kind == .postgres ? .postgres : .redshift
        if let node = fields["profiles"] {
            for item in try list(node, "profiles") {
                let spec = try profile(item, kind: kind)
                if options.profiles.contains(where: { $0.table == spec.table }) {
                    throw error(item, "table \(spec.table.qualified) is profiled twice")
                }
                options.profiles.append(spec)
            }
        }
        if let node = fields["freshness"] {
            for item in try list(node, "freshness") {
                let spec = try freshness(item, kind: kind)
                if options.freshness.contains(where: { $0.table == spec.table }) {
                    throw error(item, "table \(spec.table.qualified) has two freshness entries")
                }
                options.freshness.append(spec)
            }
        }
        if let node = fields["checks"] {
            for item in try list(node, "checks") {
                let spec = try check(item, dialect: dialect, kind: kind)
                // Two checks of one name would serve the same series.
                if options.checks.contains(where: { $0.name == spec.name }) {
                    throw error(item, "check name \"\(spec.name)\" is used twice")
                }
                options.checks.append(spec)
            }
        }
        return options
    }

    private func list(_ node: Node, _ what: String) throws(ConfigError) -> [Node] {
        guard case .sequence(let items) = node, !items.isEmpty else { throw error(node, "\"\(what)\" must be a non-empty list") }
        return Array(items)
    }

    private func table(_ node: Node, _ what: String, kind: ExporterConfig.Warehouse.Kind) throws(ConfigError) -> TableName {
        let text = try string(node, what)
        guard let table = TableName(configured: text) else {
            throw error(node, "\"\(what)\" must be schema.table (or a table in public), got \"\(text)\"")
        }
        // ClickHouse has no public schema: a table is always named with its database.
        guard kind != .clickhouse || text.contains(".") else {
            throw error(node, "\"\(what)\" must be database.table on ClickHouse, got \"\(text)\"")
        }
        return table
    }

    private func number(_ node: Node, _ what: String, in range: ClosedRange<Double>) throws(ConfigError) -> Double {
        guard let value = try number(node, what), range.contains(value) else {
            throw error(node, "\"\(what)\" must be a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    private func bool(_ node: Node, _ what: String) throws(ConfigError) -> Bool {
        guard let value = node.bool else { throw error(node, "\"\(what)\" must be true or false") }
        return value
    }

    private func profile(_ node: Node, kind: ExporterConfig.Warehouse.Kind) throws(ConfigError) -> ColumnProfileSpec {
        let fields = try mapping(
            node, "a profile",
            allowed: ["table", "columns", "types", "interval", "timeout", "sample_percent", "approximate_distinct", "max_columns"])
        var spec = ColumnProfileSpec(table: try table(try required(fields, "table", in: node), "table", kind: kind))
        let what = "profile of \(spec.table.qualified)"
        if fields["columns"] != nil, fields["types"] != nil {
            throw error(node, "\(what): give columns or types, not both")
        }
        if let node = fields["columns"] {
            spec.columns = try stringList(node, "columns")
            guard !spec.columns.isEmpty, Set(spec.columns).count == spec.columns.count, !spec.columns.contains("") else {
                throw error(node, "\(what): \"columns\" must list column names, each once")
            }
        }
        if let node = fields["types"] {
            for item in try list(node, "types") {
                let name = try string(item, "type")
                guard let kind = ColumnKind(rawValue: name), ColumnKind.selectable.contains(kind) else {
                    throw error(item, "\(what): unknown type \"\(name)\" (expected some of: \(ColumnKind.selectable.map(\.rawValue).joined(separator: ", ")))")
                }
                spec.kinds.insert(kind)
            }
        }
        if let node = fields["interval"] { spec.interval = try positiveDuration(node, "interval") }
        if let node = fields["timeout"] { spec.timeout = try positiveDuration(node, "timeout") }
        if let node = fields["max_columns"] { spec.maxColumns = try positiveInteger(node, "max_columns") }
        if let node = fields["sample_percent"] {
            guard kind == .postgres else {
                let why = kind == .redshift ? "Redshift has no TABLESAMPLE" : "ClickHouse samples only tables with a sampling key"
                throw error(node, "\(what): \(why); use approximate_distinct: true to make distinct counts cheaper")
            }
            guard let percent = try number(node, "sample_percent"), percent > 0, percent <= 100 else {
                throw error(node, "\"sample_percent\" must be a percentage above 0 and at most 100")
            }
            spec.samplePercent = percent
        }
        if let node = fields["approximate_distinct"] {
            guard kind != .postgres else {
                throw error(node, "\(what): approximate_distinct is Redshift's APPROXIMATE COUNT(DISTINCT) and ClickHouse's uniq; on PostgreSQL use sample_percent")
            }
            spec.approximateDistinct = try bool(node, "approximate_distinct")
        }
        return spec
    }

    private func freshness(_ node: Node, kind: ExporterConfig.Warehouse.Kind) throws(ConfigError) -> FreshnessSpec {
        let fields = try mapping(node, "a freshness entry", allowed: ["table", "column", "objective", "interval", "timeout"])
        var spec = FreshnessSpec(table: try table(try required(fields, "table", in: node), "table", kind: kind))
        if let node = fields["column"] { spec.column = try string(node, "column") }
        if let node = fields["objective"] { spec.objective = try positiveDuration(node, "objective") }
        if spec.column == nil, spec.objective == nil {
            throw error(node, "freshness of \(spec.table.qualified): give a timestamp column, an objective, or both")
        }
        if let node = fields["interval"] { spec.interval = try positiveDuration(node, "interval") }
        if let node = fields["timeout"] { spec.timeout = try positiveDuration(node, "timeout") }
        return spec
    }

    private func check(_ node: Node, dialect: SQLDialect, kind warehouseKind: ExporterConfig.Warehouse.Kind) throws(ConfigError) -> DataCheckSpec {
        let kinds = ["sql", "row_count_match", "join_fanout", "null_ratio"]
        let fields = try mapping(node, "a check", allowed: Set(kinds + ["name", "labels", "interval", "timeout", "max_rows"]))
        let nameNode = try required(fields, "name", in: node)
        let name = try string(nameNode, "name")
        guard DataCheckSpec.isValidName(name) else {
            throw error(nameNode, "check name \"\(name)\" must be letters, digits and _, not starting with a digit or __")
        }
        let what = "check \"\(name)\""
        let given = kinds.filter { fields[$0] != nil }
        guard given.count == 1, let kindKey = given.first, let kindNode = fields[kindKey] else {
            throw error(node, "\(what) needs exactly one of: \(kinds.joined(separator: ", "))" + (given.isEmpty ? "" : " (it has \(given.joined(separator: " and ")))"))
        }
        if fields["labels"] != nil, kindKey != "sql" { throw error(fields["labels"]!, "\(what): labels are for sql checks") }

        let kind: DataCheckSpec.Kind
        switch kindKey {
        case "sql":
            let sql = try query(kindNode, what: what, dialect: dialect, nested: false)
            var labels: [String] = []
            if let node = fields["labels"] {
                for item in try list(node, "labels") {
                    let label = try string(item, "label")
                    guard DataCheckSpec.isValidName(label) else { throw error(item, "\(what): label \"\(label)\" is not a valid label name") }
                    guard !DataCheckSpec.reservedLabels.contains(label) else {
                        throw error(item, "\(what): label \"\(label)\" is set by the exporter; alias the column in the query")
                    }
                    guard !labels.contains(label) else { throw error(item, "\(what): label \"\(label)\" is listed twice") }
                    labels.append(label)
                }
            }
            kind = .query(sql: sql, labels: labels)
        case "row_count_match":
            let options = try mapping(kindNode, "row_count_match of \(what)", allowed: ["source", "target", "max_difference"])
            kind = .rowCountMatch(
                source: try query(try required(options, "source", in: kindNode), what: what, dialect: dialect, nested: true),
                target: try query(try required(options, "target", in: kindNode), what: what, dialect: dialect, nested: true),
                maxDifference: try options["max_difference"].map { node throws(ConfigError) in
                    try number(node, "max_difference", in: 0...Double.greatestFiniteMagnitude)
                } ?? 0)
        case "join_fanout":
            let options = try mapping(kindNode, "join_fanout of \(what)", allowed: ["left", "right", "on", "max_fanout"])
            kind = .joinFanout(
                left: try table(try required(options, "left", in: kindNode), "left", kind: warehouseKind),
                right: try table(try required(options, "right", in: kindNode), "right", kind: warehouseKind),
                on: try fragment(try required(options, "on", in: kindNode), "on", what: what, dialect: dialect),
                maxFanout: try options["max_fanout"].map { node throws(ConfigError) in
                    try number(node, "max_fanout", in: 1...Double.greatestFiniteMagnitude)
                } ?? 1)
        default:
            let options = try mapping(kindNode, "null_ratio of \(what)", allowed: ["table", "column", "where", "max_ratio"])
            kind = .nullRatio(
                table: try table(try required(options, "table", in: kindNode), "table", kind: warehouseKind),
                column: try string(try required(options, "column", in: kindNode), "column"),
                filter: try options["where"].map { node throws(ConfigError) in try fragment(node, "where", what: what, dialect: dialect) },
                maxRatio: try number(try required(options, "max_ratio", in: kindNode), "max_ratio", in: 0...1))
        }
        var spec = DataCheckSpec(name: name, kind: kind)
        if let node = fields["interval"] { spec.interval = try positiveDuration(node, "interval") }
        if let node = fields["timeout"] { spec.timeout = try positiveDuration(node, "timeout") }
        if let node = fields["max_rows"] { spec.maxRows = try positiveInteger(node, "max_rows") }
        return spec
    }

    /// A read-only query; `nested` ones are placed inside another statement, so no ';' at all.
    private func query(_ node: Node, what: String, dialect: SQLDialect, nested: Bool) throws(ConfigError) -> String {
        let sql = try string(node, "sql")
        if let problem = ReadOnlyQuery.problem(in: sql, dialect: dialect) ?? (nested ? ReadOnlyQuery.problem(inFragment: sql, dialect: dialect) : nil) {
            throw error(node, "\(what): the query \(problem)")
        }
        return sql
    }

    private func fragment(_ node: Node, _ key: String, what: String, dialect: SQLDialect) throws(ConfigError) -> String {
        let text = try string(node, key)
        if let problem = ReadOnlyQuery.problem(inFragment: text, dialect: dialect) {
            throw error(node, "\(what): \"\(key)\" \(problem)")
        }
        return text
    }
}
