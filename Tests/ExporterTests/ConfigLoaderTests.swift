import Foundation
import Exporter
import QueryMetrics
import SQLText
import Testing

@Suite("Configuration is read strictly, with errors that point at the line")
struct ConfigLoaderTests {
    @Test func readsAFullConfiguration() throws {
        let config = try ConfigLoader.parse(
            """
            warehouses:
              - name: reporting
                kind: postgres
                dsn: "postgresql://monitor@db.internal:5432/analytics"
                password_file: /run/secrets/pg
                collectors: [tables]
                intervals: { health: 5s, tables: 1m30s }
                connect_timeout: 3s
                query_timeout: 45s
                reconnect_backoff_max: 2m
                tables:
                  include_schemas: [marts, "raw_.*"]
                  exclude_schemas: [raw_tmp]
                  max_tables: 200
              - name: analytics
                kind: redshift
                dsn: "host=example.redshift.amazonaws.com port=5439 dbname=dev user=monitor sslmode=require"
            """, file: "exporter.yml")
        #expect(config.warehouses.map(\.name) == ["reporting", "analytics"])
        let reporting = config.warehouses[0]
        #expect(reporting.kind == .postgres)
        #expect(reporting.passwordFile == "/run/secrets/pg")
        #expect(reporting.collectors == ["tables"])
        #expect(reporting.interval(for: "health") == .seconds(5))
        #expect(reporting.interval(for: "tables") == .seconds(90))
        #expect(reporting.connectTimeout == .seconds(3))
        #expect(reporting.queryTimeout == .seconds(45))
        #expect(reporting.reconnectBackoffMax == .seconds(120))
        #expect(reporting.tables.includeSchemas == ["marts", "raw_.*"])
        #expect(reporting.tables.excludeSchemas == ["raw_tmp"])
        #expect(reporting.tables.maxTables == 200)
        #expect(config.warehouses[1].kind == .redshift)
        #expect(config.warehouses[1].interval(for: "health") == .seconds(15))
    }

    @Test func postgresCollectorsDefaultToThoseThatNeedNoSettings() throws {
        let config = try ConfigLoader.parse(
            "warehouses:\n  - { name: w, kind: postgres, dsn: \"dbname=x\" }\n", file: "c.yml")
        #expect(config.warehouses[0].collectors == ["tables", "activity"])
        #expect(CollectorCatalog.available(for: .postgres) == ["tables", "activity", "query_log", "statements", "data_checks"])
        // A query_log section brings its collector in, with its settings.
        let logged = try ConfigLoader.parse(
            """
            state_file: /var/lib/warehouse_exporter/state.json
            warehouses:
              - name: w
                kind: postgres
                dsn: x
                query_log: { directory: /var/log/postgresql, format: csvlog, dollars_per_hour: 3.26 }
              - { name: v, kind: postgres, dsn: y, collectors: [tables], query_log: { directory: /d } }
            """, file: "c.yml")
        #expect(logged.stateFile == "/var/lib/warehouse_exporter/state.json")
        #expect(logged.warehouses[0].collectors == ["tables", "activity", "query_log"])
        #expect(logged.warehouses[0].queryLog == .init(directory: "/var/log/postgresql", format: .csvlog, dollarsPerHour: 3.26))
        #expect(logged.warehouses[1].collectors == ["tables"])
    }

    /// The error message of parsing `yaml`, or "no error".
    private func failure(parsing yaml: String) -> String {
        do {
            _ = try ConfigLoader.parse(yaml, file: "c.yml")
            return "no error"
        } catch {
            return error.description
        }
    }

    @Test func queryLogMistakesNameTheProblem() {
        func failure(_ warehouse: String) -> String { self.failure(parsing: "warehouses:\n  - " + warehouse + "\n") }
        #expect(failure("{ name: w, kind: postgres, dsn: x, query_log: { format: jsonlog } }").contains("missing key \"directory\""))
        #expect(failure("{ name: w, kind: postgres, dsn: x, query_log: { directory: /d, format: json } }").contains("unknown log format \"json\""))
        #expect(failure("{ name: w, kind: redshift, dsn: x, query_log: { directory: /d } }").contains("is for PostgreSQL warehouses"))
        #expect(failure("{ name: w, kind: postgres, dsn: x, query_log: { directory: /d, dollars_per_hour: cheap } }").contains("\"dollars_per_hour\" must be a number"))
    }

    /// Each case: the YAML, the line and column the error must name, and words the message must hold.
    static let mistakes: [(yaml: String, line: Int, column: Int, words: [String])] = [
        ("warehouses:\n  - name: w\n    kind: postgres\n    dsnn: \"dbname=x\"\n", 4, 5, ["unknown key \"dsnn\"", "did you mean \"dsn\""]),
        ("warehouses:\n  - name: w\n    kind: postgres\n    dsn: \"dbname=x\"\n    collectors: [tables, query_logg]\n", 5, 26,
         ["unknown collector \"query_logg\"", "available: tables"]),
        ("warehouses:\n  - name: w\n    kind: postgress\n    dsn: x\n", 3, 11, ["unknown kind \"postgress\""]),
        ("warehouses:\n  - name: w\n    kind: postgres\n    dsn: x\n    intervals: { tables: 30 }\n", 5, 26, ["must be a duration"]),
        ("warehouses:\n  - name: w\n    kind: postgres\n    dsn: x\n    intervals: { tabels: 30s }\n", 5, 18,
         ["unknown key \"tabels\"", "did you mean \"tables\""]),
        ("warehouses:\n  - name: w\n    kind: postgres\n", 2, 5, ["missing key \"dsn\""]),
        ("warehouses:\n  - {name: w, kind: postgres, dsn: x}\n  - {name: w, kind: postgres, dsn: y}\n", 3, 5, ["\"w\" is used twice"]),
        ("warehouses:\n  - name: w\n    kind: postgres\n    dsn: \"host=db password=s3cret trailing\"\n", 4, 10, ["dsn of warehouse \"w\""]),
        ("warehouses:\n  - name: w\n    kind: postgres\n    dsn: x\n    tables: { max_tables: -1 }\n", 5, 27, ["positive whole number"]),
        ("warehouses:\n  - name: w\n    kind: redshift\n    dsn: x\n    password_file: /p\n    password_command: [aws, redshift]\n", 5, 20,
         ["password_file or password_command, not both"]),
        ("warehouses:\n  - name: w\n    kind: redshift\n    dsn: \"host=h password=p\"\n    password_command: [vault]\n", 5, 23,
         ["a password in its dsn"]),
        ("warehouses:\n  - name: w\n    kind: redshift\n    dsn: x\n    password_command: []\n", 5, 23, ["the program, then its arguments"]),
        ("warehouses:\n  - name: w\n    kind: redshift\n    dsn: x\n    password_command_timeout: 5s\n", 5, 31, ["goes with password_command"]),
        ("warehouses:\n  - name: w\n   kind: postgres\n", 3, 4, ["invalid YAML"]),
        ("warehouse:\n  - name: w\n", 1, 1, ["unknown key \"warehouse\"", "did you mean \"warehouses\""]),
    ]

    @Test(arguments: mistakes.indices)
    func mistakesNameFileLineAndProblem(_ index: Int) {
        let mistake = Self.mistakes[index]
        let error = #expect(throws: ConfigError.self) { try ConfigLoader.parse(mistake.yaml, file: "exporter.yml") }
        #expect(error?.file == "exporter.yml")
        #expect(error?.line == mistake.line, "\(error?.description ?? "")")
        #expect(error?.column == mistake.column, "\(error?.description ?? "")")
        for word in mistake.words {
            #expect(error?.message.contains(word) == true, "\"\(word)\" not in: \(error?.message ?? "")")
        }
        #expect(error?.description.hasPrefix("exporter.yml:\(mistake.line):\(mistake.column): ") == true)
    }

    @Test func readsThePasswordCommand() throws {
        let config = try ConfigLoader.parse(
            """
            warehouses:
              - name: analytics
                kind: redshift
                dsn: "host=example.redshift.amazonaws.com port=5439 dbname=dev user=IAM:monitor"
                password_command: [aws, redshift, get-cluster-credentials, --cluster-identifier, analytics, --db-user, monitor]
                password_command_timeout: 20s
              - { name: plain, kind: postgres, dsn: x, password_command: [/usr/local/bin/vault-password] }
            """, file: "c.yml")
        #expect(config.warehouses[0].passwordCommand?.arguments.first == "aws")
        #expect(config.warehouses[0].passwordCommand?.arguments.count == 7)
        #expect(config.warehouses[0].passwordCommand?.timeout == .seconds(20))
        #expect(config.warehouses[1].passwordCommand?.timeout == .seconds(10))
    }

    @Test func aDSNErrorNeverQuotesThePassword() {
        let error = #expect(throws: ConfigError.self) {
            try ConfigLoader.parse("warehouses:\n  - {name: w, kind: postgres, dsn: \"host=db password=s3cret trailing\"}\n", file: "c.yml")
        }
        #expect(error?.description.contains("s3cret") == false)
        #expect(error?.description.contains("trailing") == false)
    }

    @Test func emptyAndMissingFilesAreErrors() {
        let empty = #expect(throws: ConfigError.self) { try ConfigLoader.parse("", file: "empty.yml") }
        #expect(empty?.message.contains("warehouses") == true)
        let missing = #expect(throws: ConfigError.self) { try ConfigLoader.load(path: "/nonexistent/exporter.yml") }
        #expect(missing?.description.hasPrefix("/nonexistent/exporter.yml: ") == true)
    }

    @Test func collectorFlagsOverrideTheConfigWhereTheKindHasTheCollector() throws {
        var config = try ConfigLoader.parse(
            """
            warehouses:
              - { name: a, kind: postgres, dsn: x, collectors: [] }
              - { name: b, kind: redshift, dsn: y }
            """, file: "c.yml")
        config.apply(collectorOverrides: ["tables": true])
        #expect(config.warehouses[0].collectors == ["tables"])
        #expect(Set(config.warehouses[1].collectors) == ["query_history", "live_queries", "tables", "table_activity", "loads", "qmr"])
        config.apply(collectorOverrides: ["tables": false, "query_history": false, "live_queries": false, "table_activity": false, "loads": false, "qmr": false])
        #expect(config.warehouses[0].collectors.isEmpty)
        #expect(config.warehouses[1].collectors.isEmpty)
    }

    @Test func readsAnnotationAliasesAndPatterns() throws {
        let config = try ConfigLoader.parse(
            """
            warehouses:
              - { name: w, kind: postgres, dsn: x }
            annotations:
              aliases: { pipeline: dag, Step-Name: task }
              patterns:
                - name: acme
                  regex: 'job=(?<dag>[a-z_]+)/(?<task>[a-z_]+)'
            """, file: "c.yml")
        let analyzer = SQLAnalyzer(rules: config.annotationRules)
        #expect(analyzer.context(of: "-- acme job=billing/rollup\nSELECT 1").context == QueryContext(dag: "billing", task: "rollup"))
        #expect(analyzer.context(of: #"/* {"pipeline":"p","step_name":"s"} */ SELECT 1"#).context == QueryContext(dag: "p", task: "s"))
    }

    @Test func annotationRuleErrorsNameTheLineAndTheProblem() {
        let field = #expect(throws: ConfigError.self) {
            try ConfigLoader.parse("warehouses:\n  - { name: w, kind: postgres, dsn: x }\nannotations:\n  aliases: { dag_id: pipeline }\n", file: "c.yml")
        }
        #expect(field?.description.hasPrefix("c.yml:4:22: alias \"dag_id\" maps to \"pipeline\", which is not a context field") == true, "\(String(describing: field))")
        let regex = #expect(throws: ConfigError.self) {
            try ConfigLoader.parse(
                "warehouses:\n  - { name: w, kind: postgres, dsn: x }\nannotations:\n  patterns:\n    - { name: acme, regex: 'job=(?<dag>[a-z' }\n",
                file: "c.yml")
        }
        #expect(regex?.description.hasPrefix("c.yml:5:28: pattern \"acme\" is not a valid regular expression") == true, "\(String(describing: regex))")
        let typo = #expect(throws: ConfigError.self) {
            try ConfigLoader.parse("warehouses:\n  - { name: w, kind: postgres, dsn: x }\nannotations:\n  alias: { a: dag }\n", file: "c.yml")
        }
        #expect(typo?.description.contains("did you mean \"aliases\"") == true)
    }

    @Test func readsTheLabelPolicy() throws {
        let config = try ConfigLoader.parse(
            """
            warehouses:
              - { name: w, kind: postgres, dsn: x }
            labels:
              dimensions: [app, dag, task, chart]
              max_values_per_label: 100
              max_series_per_metric: 5000
              top_statements: 10
              series_ttl: 2h
              max_label_length: 64
              user: hash
              user_hash_salt: pepper
            """, file: "c.yml")
        let policy = config.labelPolicy
        #expect(policy.dimensions == [.app, .dag, .task, .chart])
        #expect(policy.maxValuesPerLabel == 100)
        #expect(policy.maxSeriesPerMetric == 5000)
        #expect(policy.topStatements == 10)
        #expect(policy.seriesTTL == .seconds(7200))
        #expect(policy.maxLabelLength == 64)
        #expect(policy.user == .hash)
        #expect(policy.userHashSalt == "pepper")
        #expect(try ConfigLoader.parse("warehouses:\n  - { name: w, kind: postgres, dsn: x }\n", file: "c.yml").labelPolicy == LabelPolicy())
    }

    @Test func labelPolicyErrorsNameTheLineAndTheProblem() {
        func failure(_ labels: String) -> String {
            self.failure(parsing: "warehouses:\n  - { name: w, kind: postgres, dsn: x }\nlabels:\n" + labels)
        }
        #expect(failure("  dimensions: [app, usr]\n").hasPrefix("c.yml:4:21: unknown dimension \"usr\""))
        #expect(failure("  user: hash\n").hasPrefix("c.yml:4:9: user: hash needs a secret"))
        #expect(failure("  user: hide\n").contains("\"user\" must be keep, hash or drop"))
        #expect(failure("  max_values_per_label: 0\n").contains("must be a positive whole number"))
        #expect(failure("  series_ttl: forever\n").contains("\"series_ttl\" must be a duration"))
        #expect(failure("  max_value_per_label: 3\n").contains("did you mean \"max_values_per_label\""))
    }

    @Test func readsEachLatencyFamilysBuckets() throws {
        let config = try ConfigLoader.parse(
            """
            warehouses:
              - { name: w, kind: postgres, dsn: x }
            histograms:
              mode: native
              buckets:
                warehouse_query_duration_seconds: [0.0005, 0.005, 0.05, 0.5, 5, 50]
                warehouse_statement_duration_seconds: [1, 60]
            """, file: "c.yml")
        #expect(config.buckets.duration == [0.0005, 0.005, 0.05, 0.5, 5, 50])
        #expect(config.buckets.statement == [1, 60])
        #expect(config.buckets.queue == HistogramBuckets.defaultBounds)
        #expect(config.buckets.mode == .native)
        #expect(try ConfigLoader.parse("warehouses:\n  - { name: w, kind: postgres, dsn: x }\n", file: "c.yml").buckets == HistogramBuckets())
    }

    @Test func bucketErrorsNameTheLineAndTheProblem() {
        func failure(_ buckets: String) -> String {
            self.failure(parsing: "warehouses:\n  - { name: w, kind: postgres, dsn: x }\nhistograms:\n  buckets:\n" + buckets)
        }
        #expect(failure("    warehouse_query_duration_seconds: [1, 0.5]\n").hasPrefix("c.yml:5:39: the buckets of warehouse_query_duration_seconds is not in increasing order"))
        #expect(failure("    warehouse_query_duration_seconds: []\n").contains("needs at least one bound"))
        #expect(failure("    warehouse_query_duration_seconds: [0, 1]\n").contains("not a finite number of seconds above 0"))
        #expect(failure("    warehouse_query_duration_seconds: [1, .inf]\n").contains("must be a finite number"))
        #expect(failure("    warehouse_query_duration_seconds: [fast]\n").contains("must be numbers of seconds"))
        #expect(failure("    warehouse_query_duration_second: [1]\n").contains("did you mean \"warehouse_query_duration_seconds\""))
        #expect(self.failure(parsing: "warehouses:\n  - { name: w, kind: postgres, dsn: x }\nhistograms:\n  mode: sparse\n")
            .contains("\"mode\" must be classic, native or both"))
        #expect(failure("    warehouse_query_duration_seconds: [\(Array(repeating: "1", count: 41).enumerated().map { "\($0.offset + 1)" }.joined(separator: ", "))]\n")
            .contains("more than 40"))
    }

    @Test func readsTheHashSaltFromAFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("salt-\(UUID().uuidString)").path
        try "pepper\r\nsecond line\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let yaml = "warehouses:\n  - { name: w, kind: postgres, dsn: x }\nlabels:\n  user: hash\n  user_hash_salt_file: \(path)\n"
        #expect(try ConfigLoader.parse(yaml, file: "c.yml").labelPolicy.userHashSalt == "pepper")
        let missing = #expect(throws: ConfigError.self) {
            try ConfigLoader.parse(yaml.replacingOccurrences(of: path, with: "/nonexistent/salt"), file: "c.yml")
        }
        #expect(missing?.description.contains("cannot read user_hash_salt_file \"/nonexistent/salt\"") == true)
    }

    @Test func redshiftCostFromNodeTypeOrPrice() throws {
        let config = try ConfigLoader.parse(
            """
            warehouses:
              - { name: a, kind: redshift, dsn: x, query_history: { overlap: 5m, cost: { node_type: ra3.4xlarge, nodes: 2 } } }
              - { name: b, kind: redshift, dsn: y, query_history: { cost: { nodes: 3, dollars_per_node_hour: 1.5 } } }
            """, file: "c.yml")
        #expect(config.warehouses[0].queryHistory.dollarsPerHour == 6.52)
        #expect(config.warehouses[0].queryHistory.window.overlap == .seconds(300))
        #expect(config.warehouses[1].queryHistory.dollarsPerHour == 4.5)
        #expect(failure(parsing: "warehouses:\n  - { name: a, kind: redshift, dsn: x, query_history: { cost: { node_type: ds2.xlarge, nodes: 2 } } }\n")
            .contains("no known price for node type \"ds2.xlarge\""))
        #expect(failure(parsing: "warehouses:\n  - { name: a, kind: postgres, dsn: x, query_history: { overlap: 5m } }\n")
            .contains("is for Redshift and ClickHouse warehouses"))
    }

    @Test func serverlessCostJoinsItsCollectorAndStandsAlone() throws {
        let config = try ConfigLoader.parse(
            "warehouses:\n  - { name: a, kind: redshift, dsn: x, query_history: { cost: { dollars_per_rpu_hour: 0.375 } } }\n", file: "c.yml")
        #expect(config.warehouses[0].queryHistory.dollarsPerRPUHour == 0.375)
        #expect(config.warehouses[0].queryHistory.dollarsPerHour == nil)
        #expect(config.warehouses[0].collectors.contains("serverless_cost"))
        #expect(failure(parsing: "warehouses:\n  - { name: a, kind: redshift, dsn: x, query_history: { cost: { dollars_per_rpu_hour: 0.375, nodes: 2 } } }\n")
            .contains("give it alone"))
    }
}
