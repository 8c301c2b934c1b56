/// What a profile can compute for a column, by its SQL type.
public enum ColumnKind: String, Sendable, CaseIterable {
    /// min, max, mean, nulls, distinct values.
    case numeric
    /// Total characters, nulls, distinct values.
    case string
    /// min and max in Unix seconds, nulls, distinct values (with or without time zone).
    case timestamp
    /// As `timestamp`, midnight UTC of each day.
    case date
    /// Share true (as the mean), nulls, distinct values.
    case boolean
    /// Nulls only (JSON, SUPER, arrays, binary, times of day, …).
    case other

    /// The kinds a config may name in a profile's `types`.
    public static let selectable: [ColumnKind] = [.numeric, .string, .timestamp, .date, .boolean]

    /// The kind of a type as `format_type` (PostgreSQL) or SVV_REDSHIFT_COLUMNS.data_type
    /// (Redshift) spell it: `integer`, `numeric(12,2)`, `character varying(256)`,
    /// `timestamp without time zone`, ….
    public init(sqlType: String) {
        let type = sqlType.lowercased()
        func starts(_ prefixes: String...) -> Bool { prefixes.contains { type.hasPrefix($0) } }
        // Whole words: `interval` is not a number, though it starts like `int`; arrays are arrays.
        if type.hasSuffix("]") {
            self = .other
        } else if starts("smallint", "integer", "bigint", "numeric", "decimal", "real", "double precision")
            || ["int", "int2", "int4", "int8", "float", "float4", "float8"].contains(type) {
            self = .numeric
        } else if starts("character", "varchar", "char", "text", "bpchar", "nchar", "nvarchar", "citext", "name") {
            self = .string
        } else if starts("timestamp") {
            self = .timestamp
        } else if type == "date" {
            self = .date
        } else if type == "boolean" || type == "bool" {
            self = .boolean
        } else {
            self = .other
        }
    }

    /// The kind of a ClickHouse type as `system.columns` names it: `Nullable(UInt64)`,
    /// `LowCardinality(String)`, `DateTime64(3, 'UTC')`, `Decimal(18, 2)`, ….
    public init(clickHouseType: String) {
        var type = Substring(clickHouseType)
        for wrapper in ["LowCardinality(", "Nullable("] where type.hasPrefix(wrapper) && type.hasSuffix(")") {
            type = type.dropFirst(wrapper.count).dropLast()
        }
        func starts(_ prefixes: String...) -> Bool { prefixes.contains { type.hasPrefix($0) } }
        if starts("Int", "UInt", "Float", "Decimal") && !starts("Interval") {
            self = .numeric
        } else if starts("String", "FixedString(") {
            self = .string
        } else if starts("DateTime") {
            self = .timestamp
        } else if type == "Date" || type == "Date32" {
            self = .date
        } else if type == "Bool" {
            self = .boolean
        } else {
            self = .other
        }
    }
}
