import SQLText
import WarehouseClient

/// The SQL a check sends and how its result becomes values.
struct DataCheckQuery {
    /// One `warehouse_check_value` series: the result column it came from and the row's labels.
    struct Value {
        var column: String
        var labels: [(String, String)]
        var value: Double
    }

    struct Outcome {
        var values: [Value]
        /// For built-in kinds: whether the data met the condition.
        var passed: Bool?
    }

    let spec: DataCheckSpec

    var sql: String {
        let sql: String
        switch spec.kind {
        case .query(let query, _):
            // The user's text as written, inside a subquery: only a trailing ';' would break it.
            // The LIMIT bounds on the server what libpq buffers before max_rows is counted; one
            // row more than max_rows is enough to know the check has too many. The newline ends a
            // trailing line comment.
            sql = "SELECT * FROM (\n\(query.trimmingSemicolons)\n) AS check_rows LIMIT \(min(spec.maxRows, Int.max - 1) + 1)"
        case .rowCountMatch(let source, let target, _):
            sql = """
                SELECT (SELECT count(*) FROM (
                \(source.trimmingSemicolons)
                ) AS source) AS source_rows,
                (SELECT count(*) FROM (
                \(target.trimmingSemicolons)
                ) AS target) AS target_rows
                """
        case .joinFanout(let left, let right, let condition, _):
            sql = """
                SELECT (SELECT count(*) FROM \(left.quoted) AS l) AS left_rows,
                       (SELECT count(*) FROM \(left.quoted) AS l LEFT JOIN \(right.quoted) AS r ON \(condition)
                ) AS joined_rows
                """
        case .nullRatio(let table, let column, let filter, _):
            sql = """
                SELECT count(*) AS total_rows, count(*) - count(\(SQLIdentifier.quote(column))) AS null_rows
                FROM \(table.quoted)\(filter.map { " WHERE \($0)\n" } ?? "")
                """
        }
        return sql
    }

    func outcome(_ result: QueryResult) throws -> Outcome {
        switch spec.kind {
        case .query(_, let labels):
            return Outcome(values: try values(result, labels: labels), passed: nil)
        case .rowCountMatch(_, _, let maxDifference):
            let (source, target) = try two(result, "source_rows", "target_rows")
            let difference = source - target
            return Outcome(
                values: [value("source_rows", source), value("target_rows", target), value("difference", difference)],
                passed: abs(difference) <= maxDifference)
        case .joinFanout(_, _, _, let maxFanout):
            let (left, joined) = try two(result, "left_rows", "joined_rows")
            // An empty left side has nothing to multiply: fan-out 1.
            let fanout = left > 0 ? joined / left : 1
            return Outcome(
                values: [value("left_rows", left), value("joined_rows", joined), value("fanout", fanout)], passed: fanout <= maxFanout)
        case .nullRatio(_, _, _, let maxRatio):
            let (total, nulls) = try two(result, "total_rows", "null_rows")
            let ratio = total > 0 ? nulls / total : 0
            return Outcome(
                values: [value("total_rows", total), value("null_rows", nulls), value("null_ratio", ratio)], passed: ratio <= maxRatio)
        }
    }

    private func value(_ column: String, _ value: Double) -> Value {
        Value(column: column, labels: [], value: value)
    }

    private func two(_ result: QueryResult, _ first: String, _ second: String) throws -> (Double, Double) {
        guard let row = result.rows.first else { throw DataCheckError("check \(spec.name): the query returned no row") }
        return (try row.double(first), try row.double(second))
    }

    /// Type OIDs whose text is a number (or a boolean, read as 1 or 0).
    static let numericTypes: Set<UInt32> = [16, 20, 21, 23, 26, 700, 701, 1700]

    /// One value per row and value column; label columns must all be there, every other column
    /// must be a number, and no two rows may carry the same labels.
    private func values(_ result: QueryResult, labels: [String]) throws -> [Value] {
        let check = "check \(spec.name)"
        var labelPositions: [Int] = []
        for label in labels {
            guard let position = result.columns.firstIndex(of: label) else {
                throw DataCheckError("\(check): label column \"\(label)\" is not in the result (columns: \(result.columns.joined(separator: ", ")))")
            }
            labelPositions.append(position)
        }
        let valuePositions = result.columns.indices.filter { !labelPositions.contains($0) }
        guard !valuePositions.isEmpty else { throw DataCheckError("\(check): the result has no value column besides its labels") }
        var names = Set<String>()
        for position in valuePositions {
            let name = result.columns[position]
            // ClickHouse names its types; libpq gives their OIDs.
            let typeName = result.columnTypeNames[position]
            let numeric =
                typeName.isEmpty
                ? Self.numericTypes.contains(result.columnTypes[position]) : [.numeric, .boolean].contains(ColumnKind(clickHouseType: typeName))
            guard numeric else {
                let type = typeName.isEmpty ? "type oid \(result.columnTypes[position])" : "type \(typeName)"
                throw DataCheckError("\(check): column \"\(name)\" is not a number (\(type)); cast it, or list it in labels")
            }
            guard DataCheckSpec.isValidName(name), names.insert(name).inserted else {
                throw DataCheckError("\(check): value column \"\(name)\" needs a unique name of letters, digits and _ (give it an alias)")
            }
        }
        guard result.count <= spec.maxRows else {
            // The query stopped at max_rows + 1 rows: how many more there were is not known.
            throw DataCheckError("\(check): more than max_rows \(spec.maxRows) rows (the result was cut at \(result.count))")
        }
        var seen: [[String]: Int] = [:]
        var values: [Value] = []
        for (number, row) in result.rows.enumerated() {
            let labelValues = labelPositions.map { row.text(at: $0) ?? "" }
            if let first = seen.updateValue(number + 1, forKey: labelValues) {
                let set = zip(labels, labelValues).map { "\($0)=\"\($1)\"" }.joined(separator: ",")
                throw DataCheckError("\(check): rows \(first) and \(number + 1) have the same labels {\(set)}")
            }
            for position in valuePositions {
                guard let number = try row.number(at: position) else { continue }  // NULL: no series
                values.append(Value(column: result.columns[position], labels: Array(zip(labels, labelValues)), value: number))
            }
        }
        return values
    }
}

extension String {
    /// The text without trailing blanks and semicolons, to be placed inside another statement.
    fileprivate var trimmingSemicolons: String {
        var text = Substring(self)
        while let last = text.last, last == ";" || last.isWhitespace { text.removeLast() }
        return String(text)
    }
}
