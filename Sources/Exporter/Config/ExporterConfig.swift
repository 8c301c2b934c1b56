public import Collectors
public import QueryMetrics
public import SQLText
public import WarehouseClient

/// The exporter's configuration file, after validation.
public struct ExporterConfig: Sendable {
    public var warehouses: [Warehouse]
    /// The user's annotation aliases and patterns, for every warehouse.
    public var annotationRules = AnnotationRules()
    /// How query metrics keep their label cardinality bounded.
    public var labelPolicy = LabelPolicy()
    /// The latency histograms' bucket bounds (the `histograms` section).
    public var buckets = HistogramBuckets()
    /// Where collectors keep their read positions across restarts; in memory only when nil.
    public var stateFile: String?

    /// One warehouse to monitor.
    public struct Warehouse: Sendable, Equatable {
        public enum Kind: String, Sendable, CaseIterable {
            case postgres
            case redshift
            /// ClickHouse, through its HTTP interface (docs/clickhouse.md).
            case clickhouse
        }

        /// The `warehouse` label value.
        public var name: String
        public var kind: Kind
        /// A libpq connection string or URI; for ClickHouse, `http(s)://user@host:port/database`
        /// (``ClickHouseDSN``).
        public var dsn: String
        public var passwordFile: String?
        /// Prints the password; run before each connection attempt (IAM credentials, a vault).
        public var passwordCommand: PasswordCommand?
        /// Enabled collectors, by name.
        public var collectors: [String]
        /// Per-collector intervals; `health` is the connection check behind `warehouse_up`.
        public var intervals: [String: Duration]
        public var connectTimeout: Duration
        /// The deadline of every statement the exporter runs on this warehouse.
        public var queryTimeout: Duration
        /// The longest wait between two reconnection attempts.
        public var reconnectBackoffMax: Duration
        public var tables: TablesSection
        /// The PostgreSQL server log, for the `query_log` collector.
        public var queryLog: PostgresQueryLogCollector.Options
        /// How the Redshift collectors page through history views, and what the warehouse costs.
        public var queryHistory: QueryHistorySection
        /// Column profiles, freshness by content and custom checks, for the `data_checks` collector.
        public var dataChecks: DataCheckOptions
        /// ClickHouse: the cluster whose every replica's query_log and processes are read
        /// (`clusterAllReplicas`); nil for the connected server alone.
        public var cluster: String?

        public init(name: String, kind: Kind, dsn: String) {
            self.name = name
            self.kind = kind
            self.dsn = dsn
            self.passwordFile = nil
            self.collectors = []
            self.intervals = [:]
            self.connectTimeout = .seconds(10)
            self.queryTimeout = .seconds(60)
            self.reconnectBackoffMax = .seconds(30)
            self.tables = .init()
            self.queryLog = .init()
            self.queryHistory = .init()
            self.dataChecks = .init()
            self.collectors = CollectorCatalog.unlisted(for: self)
        }

        /// Where the DSN points, with nothing secret in it; nil when it does not parse.
        public var safeTarget: String? {
            switch kind {
            case .clickhouse: (try? ClickHouseDSN(parsing: dsn))?.safeDescription
            case .postgres, .redshift: (try? ConnectionInfo(parsing: dsn))?.safeDescription
            }
        }

        /// The password written in the DSN, if any.
        var dsnPassword: String? {
            switch kind {
            case .clickhouse: (try? ClickHouseDSN(parsing: dsn))?.password
            case .postgres, .redshift: (try? ConnectionInfo(parsing: dsn))?.options["password"]
            }
        }

        /// How often `collector` runs here.
        public func interval(for collector: String) -> Duration {
            intervals[collector] ?? CollectorCatalog.defaultInterval(for: collector)
        }
    }

    public init(warehouses: [Warehouse]) {
        self.warehouses = warehouses
    }

    /// Applies `--collector.<name>` (true) and `--no-collector.<name>` (false) to every warehouse
    /// whose kind has that collector.
    public mutating func apply(collectorOverrides: [String: Bool]) {
        for index in warehouses.indices {
            let available = CollectorCatalog.available(for: warehouses[index].kind)
            for (collector, enabled) in collectorOverrides where available.contains(collector) {
                warehouses[index].collectors.removeAll { $0 == collector }
                if enabled { warehouses[index].collectors.append(collector) }
            }
        }
    }
}
