/// The SQL a warehouse kind's data checks are written in and run with.
public enum DataCheckDialect: Sendable {
    case postgres
    case redshift
    case clickhouse
}
