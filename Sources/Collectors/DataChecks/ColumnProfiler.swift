import SQLText
import WarehouseClient

/// One table's column profile: a catalog query finds the columns and their types, then one
/// aggregate query reads the table once for all of them.
struct ColumnProfiler {
    struct Column: Equatable {
        var name: String
        var type: String
        var encoding: String
        var kind: ColumnKind
    }

    /// A column's figures; nil where the kind has none or the table (or sample) had no values.
    struct Profile {
        var column: Column
        var min: Double?
        var max: Double?
        var mean: Double?
        var nulls: Double?
        var distinct: Double?
        var chars: Double?
    }

    let spec: ColumnProfileSpec
    let dialect: DataCheckDialect

    /// Columns of the table in order, with `name`, `type` and `encoding` (`$1` schema, `$2` table;
    /// ClickHouse's, which takes no parameters, has the names inline).
    var catalogSQL: String {
        switch dialect {
        case .postgres:
            // attcompression (PostgreSQL 14+): the column's TOAST compression, '' for the server default.
            """
            SELECT a.attname AS name, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
                   CASE a.attcompression WHEN 'p' THEN 'pglz' WHEN 'l' THEN 'lz4' ELSE 'default' END AS encoding
            FROM pg_catalog.pg_attribute a
            JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum
            """
        case .redshift:
            """
            SELECT column_name AS name, data_type AS type, encoding
            FROM svv_redshift_columns
            WHERE database_name = current_database() AND schema_name = $1 AND table_name = $2
            ORDER BY ordinal_position
            """
        case .clickhouse:
            """
            SELECT name, type, if(compression_codec = '', 'default', compression_codec) AS encoding
            FROM system.columns
            WHERE database = \(ClickHouseSQL.literal(spec.table.schemaName)) AND table = \(ClickHouseSQL.literal(spec.table.name))
            ORDER BY position
            """
        }
    }

    var catalogParameters: [String?] { dialect == .clickhouse ? [] : [spec.table.schemaName, spec.table.name] }

    /// The configured columns, from the catalog's rows.
    func columns(from catalog: QueryResult) throws -> [Column] {
        let all = try catalog.rows.map { row in
            let type = try row.string("type")
            let kind = dialect == .clickhouse ? ColumnKind(clickHouseType: type) : ColumnKind(sqlType: type)
            return Column(name: try row.string("name"), type: type, encoding: (try row.text("encoding")) ?? "", kind: kind)
        }
        guard !all.isEmpty else {
            throw DataCheckError("table \(spec.table.qualified) not found, or the monitoring user cannot see it")
        }
        let chosen: [Column]
        if !spec.columns.isEmpty {
            chosen = try spec.columns.map { name in
                guard let column = all.first(where: { $0.name == name }) else {
                    throw DataCheckError("no column \"\(name)\" in \(spec.table.qualified) (it has: \(all.map(\.name).joined(separator: ", ")))")
                }
                return column
            }
        } else if !spec.kinds.isEmpty {
            chosen = all.filter { spec.kinds.contains($0.kind) }
            guard !chosen.isEmpty else {
                let kinds = spec.kinds.map(\.rawValue).sorted().joined(separator: ", ")
                throw DataCheckError("\(spec.table.qualified) has no column of the types \(kinds)")
            }
        } else {
            chosen = all
        }
        guard chosen.count <= spec.maxColumns else {
            throw DataCheckError(
                "\(chosen.count) columns of \(spec.table.qualified) selected, more than \(spec.maxColumns): list the columns or narrow the types")
        }
        return chosen
    }

    /// One pass over the table (or its sample) computing every figure of every column.
    func profileSQL(_ columns: [Column]) -> String {
        if dialect == .clickhouse { return clickHouseProfileSQL(columns) }
        var select = ["count(*) AS profiled_rows"]
        for (index, column) in columns.enumerated() {
            let name = SQLIdentifier.quote(column.name)
            select.append("count(*) - count(\(name)) AS n\(index)")
            switch column.kind {
            case .numeric:
                select.append("min(\(name))::float8 AS lo\(index)")
                select.append("max(\(name))::float8 AS hi\(index)")
                // The cast first: Redshift's AVG of an integer column is an integer.
                select.append("avg(\(name)::float8) AS mean\(index)")
            case .timestamp:
                select.append("extract(epoch FROM min(\(name)))::float8 AS lo\(index)")
                select.append("extract(epoch FROM max(\(name)))::float8 AS hi\(index)")
            case .date:
                select.append("extract(epoch FROM min(\(name))::timestamp)::float8 AS lo\(index)")
                select.append("extract(epoch FROM max(\(name))::timestamp)::float8 AS hi\(index)")
            case .boolean:
                select.append("avg(CASE WHEN \(name) THEN 1.0 WHEN NOT \(name) THEN 0.0 END)::float8 AS mean\(index)")
            case .string:
                select.append("sum(length(\(name)))::float8 AS ch\(index)")
            case .other:
                break
            }
            if column.kind != .other {
                let approximate = dialect == .redshift && spec.approximateDistinct ? "APPROXIMATE " : ""
                select.append("\(approximate)count(DISTINCT \(name)) AS d\(index)")
            }
        }
        var sql = "SELECT \(select.joined(separator: ",\n       "))\nFROM \(spec.table.quoted)"
        if dialect == .postgres, let percent = spec.samplePercent, percent < 100 {
            sql += " TABLESAMPLE SYSTEM (\(percent))"
        }
        return sql
    }

    /// ClickHouse's aggregates give a type's default (0, 1970-01-01) over no values, where SQL gives
    /// NULL: each figure is NULL unless the column has a value. Times are Unix seconds in UTC, a
    /// date its midnight UTC, as on the other kinds.
    private func clickHouseProfileSQL(_ columns: [Column]) -> String {
        var select = ["count() AS profiled_rows"]
        for (index, column) in columns.enumerated() {
            let name = SQLIdentifier.quote(column.name)
            func valued(_ expression: String) -> String { "if(count(\(name)) = 0, NULL, \(expression))" }
            func seconds(_ aggregate: String) -> String {
                valued("toFloat64(toUnixTimestamp64Micro(toDateTime64(\(aggregate)(\(name)), 6, 'UTC'))) / 1000000")
            }
            select.append("count() - count(\(name)) AS n\(index)")
            switch column.kind {
            case .numeric:
                select.append("\(valued("toFloat64(min(\(name)))")) AS lo\(index)")
                select.append("\(valued("toFloat64(max(\(name)))")) AS hi\(index)")
                select.append("\(valued("avg(toFloat64(\(name)))")) AS mean\(index)")
            case .timestamp, .date:
                select.append("\(seconds("min")) AS lo\(index)")
                select.append("\(seconds("max")) AS hi\(index)")
            case .boolean:
                select.append("\(valued("avg(toFloat64(\(name)))")) AS mean\(index)")
            case .string:
                select.append("toFloat64(sum(lengthUTF8(\(name)))) AS ch\(index)")
            case .other:
                break
            }
            if column.kind != .other {
                select.append("\(spec.approximateDistinct ? "uniq" : "uniqExact")(\(name)) AS d\(index)")
            }
        }
        return "SELECT \(select.joined(separator: ",\n       "))\nFROM \(spec.table.quoted)"
    }

    func read(_ result: QueryResult, _ columns: [Column]) throws -> (rows: Double, profiles: [Profile]) {
        guard let row = result.rows.first else { throw DataCheckError("the profile query returned no row") }
        let profiles = try columns.enumerated().map { index, column in
            Profile(
                column: column,
                min: try optional(row, "lo\(index)"), max: try optional(row, "hi\(index)"), mean: try optional(row, "mean\(index)"),
                nulls: try optional(row, "n\(index)"), distinct: try optional(row, "d\(index)"), chars: try optional(row, "ch\(index)"))
        }
        return (try row.double("profiled_rows"), profiles)
    }

    /// A figure the query may not have computed (absent) or found no value for (NULL).
    private func optional(_ row: Row, _ alias: String) throws -> Double? {
        guard (try? row.text(alias)) != nil else { return nil }
        return try row.double(alias)
    }
}
