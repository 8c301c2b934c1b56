import Foundation
import Collectors
import QueryMetrics
import SQLText
import WarehouseClient
import Yams

/// Reads the YAML configuration strictly: an unknown key, a wrong type or an unknown collector is
/// an error naming the file, line and column, so a typo never silently turns a feature off.
public enum ConfigLoader {
    public static func load(path: String) throws(ConfigError) -> ExporterConfig {
        try parse(YAMLDocument.read(path: path, what: "the configuration file"), file: path)
    }

    public static func parse(_ text: String, file: String) throws(ConfigError) -> ExporterConfig {
        try parse(text, file: file, checkingOutside: false)
    }

    /// ``load(path:)``, and what `serve` would only find out later, checked without a warehouse:
    /// each `password_file` can be read, the state file is a JSON object or can be created in a
    /// folder that is there, and each `include_schemas`/`exclude_schemas` pattern compiles as a
    /// regular expression (ICU's, close to PostgreSQL's: see ``SchemaPatternCheck``). For
    /// `check-config`; `serve` itself starts with files that appear later and patterns only the
    /// warehouse understands.
    public static func check(path: String) throws(ConfigError) -> ExporterConfig {
        try parse(YAMLDocument.read(path: path, what: "the configuration file"), file: path, checkingOutside: true)
    }

    private static func parse(_ text: String, file: String, checkingOutside: Bool) throws(ConfigError) -> ExporterConfig {
        guard let root = try YAMLDocument.compose(text, file: file) else {
            throw ConfigError(file: file, line: 1, message: "the configuration is empty; it needs a `warehouses` list")
        }
        return try Reader(file: file, checksOutside: checkingOutside).config(root)
    }
}

/// Walks the YAML node tree, keeping each node's position for error messages.
private struct Reader: YAMLReading {
    let file: String
    /// Whether to look at the files the configuration names and compile its patterns.
    var checksOutside = false

    func config(_ root: Node) throws(ConfigError) -> ExporterConfig {
        let top = try mapping(root, "the configuration", allowed: ["warehouses", "annotations", "labels", "histograms", "state_file"])
        guard let list = top["warehouses"] else {
            throw error(root, "missing key \"warehouses\"")
        }
        guard case .sequence(let items) = list, !items.isEmpty else {
            throw error(list, "\"warehouses\" must be a non-empty list")
        }
        var warehouses: [ExporterConfig.Warehouse] = []
        var names: Set<String> = []
        for item in items {
            let warehouse = try self.warehouse(item)
            guard names.insert(warehouse.name).inserted else {
                throw error(item, "warehouse name \"\(warehouse.name)\" is used twice")
            }
            warehouses.append(warehouse)
        }
        var config = ExporterConfig(warehouses: warehouses)
        if let node = top["annotations"] { config.annotationRules = try annotationRules(node) }
        if let node = top["labels"] { config.labelPolicy = try labelPolicy(node) }
        if let node = top["histograms"] { config.buckets = try histograms(node) }
        if let node = top["state_file"] {
            config.stateFile = try string(node, "state_file")
            if checksOutside, let problem = OutsideCheck.stateFileProblem(config.stateFile ?? "") { throw error(node, problem) }
        }
        return config
    }

    static let labelKeys: Set<String> = [
        "dimensions", "max_values_per_label", "max_series_per_metric", "top_statements", "series_ttl",
        "max_label_length", "user", "user_hash_salt", "user_hash_salt_file",
    ]

    /// The `labels` section: the label policy of the query metrics.
    private func labelPolicy(_ node: Node) throws(ConfigError) -> LabelPolicy {
        let fields = try mapping(node, "labels", allowed: Self.labelKeys)
        var policy = LabelPolicy()
        if let node = fields["dimensions"] {
            let known = LabelPolicy.Dimension.allCases.map(\.rawValue)
            guard case .sequence(let items) = node else { throw error(node, "\"dimensions\" must be a list") }
            policy.dimensions = []
            for item in items {
                let name = try string(item, "dimension")
                guard let dimension = LabelPolicy.Dimension(rawValue: name) else {
                    throw error(item, "unknown dimension \"\(name)\" (expected some of: \(known.joined(separator: ", ")))")
                }
                policy.dimensions.insert(dimension)
            }
        }
        if let node = fields["max_values_per_label"] { policy.maxValuesPerLabel = try positiveInteger(node, "max_values_per_label") }
        if let node = fields["max_series_per_metric"] { policy.maxSeriesPerMetric = try positiveInteger(node, "max_series_per_metric") }
        if let node = fields["top_statements"] { policy.topStatements = try positiveInteger(node, "top_statements") }
        if let node = fields["max_label_length"] { policy.maxLabelLength = try positiveInteger(node, "max_label_length") }
        if let node = fields["series_ttl"] { policy.seriesTTL = try positiveDuration(node, "series_ttl") }
        if let node = fields["user"] {
            let text = try string(node, "user")
            guard let mode = LabelPolicy.UserMode(rawValue: text) else {
                throw error(node, "\"user\" must be keep, hash or drop, got \"\(text)\"")
            }
            policy.user = mode
        }
        if let node = fields["user_hash_salt"] { policy.userHashSalt = try string(node, "user_hash_salt") }
        if let node = fields["user_hash_salt_file"] {
            let path = try string(node, "user_hash_salt_file")
            guard let salt = SecretFile.firstLine(atPath: path) else { throw error(node, "cannot read user_hash_salt_file \"\(path)\"") }
            policy.userHashSalt = salt
        }
        if policy.user == .hash, (policy.userHashSalt ?? "").isEmpty {
            throw error(fields["user"] ?? node, "user: hash needs a secret: set user_hash_salt or user_hash_salt_file")
        }
        return policy
    }

    /// `histograms: { mode: both, buckets: { warehouse_query_duration_seconds: [0.01, 0.1, 1, 10] } }`:
    /// what the protobuf format carries of the duration and queue families, and a latency family's
    /// classic bucket bounds, in seconds, in place of the defaults.
    private func histograms(_ node: Node) throws(ConfigError) -> HistogramBuckets {
        var buckets = HistogramBuckets()
        let fields = try mapping(node, "histograms", allowed: ["mode", "buckets"])
        if let node = fields["mode"] {
            let text = try string(node, "mode")
            guard let mode = HistogramBuckets.Mode(rawValue: text) else {
                throw error(node, "\"mode\" must be classic, native or both, got \"\(text)\"")
            }
            buckets.mode = mode
        }
        guard let node = fields["buckets"] else { return buckets }
        for (key, value) in try mapping(node, "buckets", allowed: Set(HistogramBuckets.families)) {
            let name = key.string ?? ""
            guard case .sequence(let items) = value else { throw error(value, "the buckets of \(name) must be a list of seconds") }
            var bounds: [Double] = []
            for item in items {
                guard let bound = try number(item, name) else { throw error(item, "the buckets of \(name) must be numbers of seconds") }
                bounds.append(bound)
            }
            if let problem = HistogramBuckets.problem(with: bounds) { throw error(value, "the buckets of \(name) \(problem)") }
            buckets[family: name] = bounds
        }
        return buckets
    }

    /// `annotations: { aliases: {dag_id: dag}, patterns: [{name: acme, regex: "…"}] }`.
    private func annotationRules(_ node: Node) throws(ConfigError) -> AnnotationRules {
        let fields = try mapping(node, "annotations", allowed: ["aliases", "patterns"])
        var aliases: [String: ContextField] = [:]
        if let node = fields["aliases"] {
            let fieldNames = ContextField.allCases.map(\.rawValue)
            for (key, value) in try mapping(node, "aliases", allowed: nil) {
                let target = try string(value, "alias")
                guard let field = ContextField(rawValue: target) else {
                    throw error(value, "alias \"\(key.string ?? "")\" maps to \"\(target)\", which is not a context field"
                        + " (expected one of: \(fieldNames.joined(separator: ", ")))")
                }
                aliases[key.string ?? ""] = field
            }
        }
        var patterns: [AnnotationPattern] = []
        if let node = fields["patterns"] {
            guard case .sequence(let items) = node else { throw error(node, "\"patterns\" must be a list") }
            for item in items {
                let pattern = try mapping(item, "a pattern", allowed: ["name", "regex"])
                let name = try string(required(pattern, "name", in: item), "name")
                let regexNode = try required(pattern, "regex", in: item)
                guard !name.isEmpty, !patterns.contains(where: { $0.name == name }) else {
                    throw error(item, "pattern name \"\(name)\" must be non-empty and used once")
                }
                let regex = try string(regexNode, "regex")
                do {
                    patterns.append(try AnnotationPattern(name: name, pattern: regex))
                } catch let failure {
                    throw error(regexNode, failure.description)
                }
            }
        }
        return AnnotationRules(aliases: aliases, patterns: patterns)
    }

    static let warehouseKeys: Set<String> = [
        "name", "kind", "dsn", "password_file", "password_command", "password_command_timeout", "collectors", "intervals",
        "connect_timeout", "query_timeout", "reconnect_backoff_max", "tables", "query_log", "query_history",
        "profiles", "freshness", "checks", "cluster",
    ]

    private func warehouse(_ node: Node) throws(ConfigError) -> ExporterConfig.Warehouse {
        let fields = try mapping(node, "a warehouse", allowed: Self.warehouseKeys)
        let name = try string(required(fields, "name", in: node), "name")
        let what = "warehouse \"\(name)\""
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "_-.".contains($0) }) else {
            throw error(fields["name"]!, "warehouse name \"\(name)\" must be non-empty letters, digits, '_', '-' or '.'")
        }
        let kindNode = try required(fields, "kind", in: node)
        let kindText = try string(kindNode, "kind")
        guard let kind = ExporterConfig.Warehouse.Kind(rawValue: kindText) else {
            let kinds = ExporterConfig.Warehouse.Kind.allCases.map(\.rawValue).joined(separator: ", ")
            throw error(kindNode, "unknown kind \"\(kindText)\" for \(what) (expected one of: \(kinds))")
        }
        let dsnNode = try required(fields, "dsn", in: node)
        var warehouse = ExporterConfig.Warehouse(name: name, kind: kind, dsn: try string(dsnNode, "dsn"))
        do {
            switch kind {
            case .clickhouse: _ = try ClickHouseDSN(parsing: warehouse.dsn)
            case .postgres, .redshift: _ = try ConnectionInfo(parsing: warehouse.dsn)
            }
        } catch let failure {
            throw error(dsnNode, "dsn of \(what): \(failure.message)")
        }
        if let node = fields["password_file"] {
            warehouse.passwordFile = try string(node, "password_file")
            if checksOutside, let problem = OutsideCheck.passwordFileProblem(warehouse.passwordFile ?? "") {
                throw error(node, "password_file of \(what): \(problem)")
            }
        }
        if let node = fields["password_command"] {
            let arguments = try stringList(node, "password_command")
            guard let program = arguments.first, !program.isEmpty else {
                throw error(node, "\"password_command\" must be a list: the program, then its arguments")
            }
            // One source of the password, so no one wonders which is used.
            if let other = fields["password_file"] {
                throw error(other, "\(what) has password_command: give password_file or password_command, not both")
            }
            if warehouse.dsnPassword != nil {
                throw error(node, "\(what) has a password in its dsn: give that or password_command, not both")
            }
            var command = PasswordCommand(arguments: arguments)
            if let timeout = fields["password_command_timeout"] { command.timeout = try positiveDuration(timeout, "password_command_timeout") }
            warehouse.passwordCommand = command
        } else if let node = fields["password_command_timeout"] {
            throw error(node, "\"password_command_timeout\" goes with password_command")
        }

        let available = CollectorCatalog.available(for: kind)
        if let node = fields["collectors"] {
            guard case .sequence(let items) = node else { throw error(node, "\"collectors\" must be a list of names") }
            warehouse.collectors = []
            for item in items {
                let collector = try string(item, "collector")
                guard available.contains(collector) else {
                    throw error(item, "unknown collector \"\(collector)\" for \(what) of kind \(kind.rawValue)" + known(available))
                }
                guard !warehouse.collectors.contains(collector) else { throw error(item, "collector \"\(collector)\" is listed twice") }
                warehouse.collectors.append(collector)
            }
        }
        if let node = fields["intervals"] {
            let intervals = try mapping(node, "intervals", allowed: Set(available + [CollectorCatalog.health]))
            for (key, value) in intervals {
                warehouse.intervals[key.string ?? ""] = try positiveDuration(value, "interval")
            }
        }
        if let node = fields["connect_timeout"] { warehouse.connectTimeout = try positiveDuration(node, "connect_timeout") }
        if let node = fields["query_timeout"] { warehouse.queryTimeout = try positiveDuration(node, "query_timeout") }
        if let node = fields["reconnect_backoff_max"] {
            warehouse.reconnectBackoffMax = try positiveDuration(node, "reconnect_backoff_max")
        }
        if let node = fields["tables"] { warehouse.tables = try tables(node, kind: kind) }
        if let node = fields["cluster"] {
            guard kind == .clickhouse else { throw error(node, "\"cluster\" is for ClickHouse warehouses (kind: clickhouse)") }
            let cluster = try string(node, "cluster")
            guard !cluster.isEmpty else { throw error(node, "\"cluster\" must name a cluster of the server's remote_servers") }
            warehouse.cluster = cluster
        }
        if let node = fields["query_history"] {
            guard kind == .redshift || kind == .clickhouse else {
                throw error(node, "\"query_history\" is for Redshift and ClickHouse warehouses (kind: redshift, clickhouse)")
            }
            let options = try mapping(node, "query_history", allowed: ["overlap", "lookback", "page_size", "cost"])
            if let node = options["overlap"] { warehouse.queryHistory.window.overlap = try positiveDuration(node, "overlap") }
            if let node = options["lookback"] { warehouse.queryHistory.window.lookback = try positiveDuration(node, "lookback") }
            if let node = options["page_size"] { warehouse.queryHistory.window.pageSize = try positiveInteger(node, "page_size") }
            if let node = options["cost"] {
                if kind == .redshift {
                    try redshiftCost(node, into: &warehouse.queryHistory)
                } else {
                    // A server or a ClickHouse Cloud service is billed by the hour, whatever runs.
                    let fields = try mapping(node, "cost", allowed: ["dollars_per_hour"])
                    guard let priceNode = fields["dollars_per_hour"] else { throw error(node, "missing key \"dollars_per_hour\" (what the server costs an hour)") }
                    guard let price = try number(priceNode, "dollars_per_hour"), price >= 0 else { throw error(priceNode, "\"dollars_per_hour\" must be a number of dollars") }
                    warehouse.queryHistory.dollarsPerHour = price
                }
            }
        }
        if let node = fields["query_log"] {
            guard kind == .postgres else { throw error(node, "\"query_log\" is for PostgreSQL warehouses (kind: postgres)") }
            warehouse.queryLog = try queryLog(node)
        }
        warehouse.dataChecks = try dataChecks(fields, kind: kind)
        // Unlisted, the collectors are those that run by default and those the sections above
        // gave something to do (CollectorCatalog).
        guard let listed = fields["collectors"] else {
            warehouse.collectors = CollectorCatalog.unlisted(for: warehouse)
            return warehouse
        }
        // Listed collectors without data_checks would leave the checks silently off.
        if !warehouse.dataChecks.isEmpty, !warehouse.collectors.contains("data_checks") {
            throw error(listed, "\(what) has profiles, freshness or checks: add data_checks to its collectors")
        } else if warehouse.dataChecks.isEmpty, warehouse.collectors.contains("data_checks") {
            throw error(listed, "collector data_checks of \(what) has nothing to run: add profiles, freshness or checks")
        }
        return warehouse
    }

    /// Provisioned: `cost: { node_type: ra3.4xlarge, nodes: 2 }` (the known price per node-hour)
    /// or with `dollars_per_node_hour` for another type or a negotiated price: dollars per hour in
    /// all. Serverless: `cost: { dollars_per_rpu_hour: 0.375 }`.
    private func redshiftCost(_ node: Node, into options: inout QueryHistorySection) throws(ConfigError) {
        let fields = try mapping(node, "cost", allowed: ["node_type", "nodes", "dollars_per_node_hour", "dollars_per_rpu_hour"])
        if let priceNode = fields["dollars_per_rpu_hour"] {
            guard fields.count == 1 else {
                throw error(node, "\"dollars_per_rpu_hour\" is for Serverless: give it alone, or node_type and nodes for a provisioned cluster")
            }
            guard let price = try number(priceNode, "dollars_per_rpu_hour"), price >= 0 else { throw error(priceNode, "\"dollars_per_rpu_hour\" must be a number of dollars") }
            options.dollarsPerRPUHour = price
            return
        }
        options.dollarsPerHour = try provisionedCost(node, fields)
    }

    private func provisionedCost(_ node: Node, _ fields: Node.Mapping) throws(ConfigError) -> Double {
        guard let nodesNode = fields["nodes"] else { throw error(node, "missing key \"nodes\" (how many nodes the cluster has)") }
        let nodes = try positiveInteger(nodesNode, "nodes")
        if let priceNode = fields["dollars_per_node_hour"] {
            guard let price = try number(priceNode, "dollars_per_node_hour"), price >= 0 else { throw error(priceNode, "\"dollars_per_node_hour\" must be a number of dollars") }
            return Double(nodes) * price
        }
        guard let typeNode = fields["node_type"] else { throw error(node, "give \"node_type\" or \"dollars_per_node_hour\"") }
        let type = try string(typeNode, "node_type")
        guard let price = QueryHistorySection.nodePrices[type] else {
            let known = QueryHistorySection.nodePrices.keys.sorted().joined(separator: ", ")
            throw error(typeNode, "no known price for node type \"\(type)\" (known: \(known)); set dollars_per_node_hour")
        }
        return Double(nodes) * price
    }

    /// `query_log: { directory: /var/lib/postgresql/15/main/log, format: jsonlog }`.
    private func queryLog(_ node: Node) throws(ConfigError) -> PostgresQueryLogCollector.Options {
        let fields = try mapping(node, "query_log", allowed: ["directory", "format", "dollars_per_hour"])
        var options = PostgresQueryLogCollector.Options()
        guard let directory = fields["directory"] else { throw error(node, "missing key \"directory\" (the server's log_directory)") }
        options.directory = try string(directory, "directory")
        if let node = fields["format"] {
            let text = try string(node, "format")
            guard let format = LogFormat(rawValue: text) else {
                throw error(node, "unknown log format \"\(text)\" (expected one of: \(LogFormat.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            options.format = format
        }
        if let node = fields["dollars_per_hour"] {
            guard let price = try number(node, "dollars_per_hour"), price >= 0 else { throw error(node, "\"dollars_per_hour\" must be a number of dollars, such as 3.26") }
            options.dollarsPerHour = price
        }
        return options
    }

    private func tables(_ node: Node, kind: ExporterConfig.Warehouse.Kind) throws(ConfigError) -> TablesSection {
        let fields = try mapping(node, "tables", allowed: ["include_schemas", "exclude_schemas", "max_tables", "databases"])
        var options = TablesSection()
        if let node = fields["include_schemas"] { options.includeSchemas = try schemaPatterns(node, "include_schemas") }
        if let node = fields["exclude_schemas"] { options.excludeSchemas = try schemaPatterns(node, "exclude_schemas") }
        if let node = fields["max_tables"] { options.maxTables = try positiveInteger(node, "max_tables") }
        if let node = fields["databases"] {
            // A ClickHouse server shows every database to one connection: include_schemas picks them.
            guard kind != .clickhouse else { throw error(node, "\"databases\" is for PostgreSQL and Redshift; on ClickHouse, include_schemas matches database names") }
            options.databases = try stringList(node, "databases")
        }
        return options
    }

    private func schemaPatterns(_ node: Node, _ what: String) throws(ConfigError) -> [String] {
        guard checksOutside else { return try stringList(node, what) }
        guard case .sequence(let items) = node else { throw error(node, "\"\(what)\" must be a list") }
        var patterns: [String] = []
        for item in items {
            let pattern = try string(item, what)
            if let problem = SchemaPatternCheck.problem(in: pattern) {
                throw error(item, "\(what) pattern \"\(pattern)\" is not a valid regular expression: \(problem)")
            }
            patterns.append(pattern)
        }
        return patterns
    }

    // MARK: - Messages

    private func known(_ names: [String]) -> String {
        names.isEmpty ? " (this version has no collectors for that kind yet)" : " (available: \(names.joined(separator: ", ")))"
    }
}
