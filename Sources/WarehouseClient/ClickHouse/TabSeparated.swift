/// ClickHouse's `TabSeparatedWithNamesAndTypes` output: a line of column names, one of their types,
/// then a line per row, values separated by tabs. Values escape `\b \f \r \n \t \0 \' \\` with a
/// backslash, and NULL is `\N`, so a raw line feed always ends a row and a raw tab always ends a
/// value.
enum TabSeparated {
    /// The names, types and rows of a response body; throws ``WarehouseError`` of kind `.decoding`
    /// for a row whose number of values differs from the names'.
    static func decode(_ body: [UInt8]) throws(WarehouseError) -> (columns: [String], types: [String], rows: [[String?]]) {
        var lines = body.split(separator: 0x0A, omittingEmptySubsequences: false)
        // The body ends with a line feed, which leaves one empty piece.
        if lines.last?.isEmpty == true { lines.removeLast() }
        guard let header = lines.first else { return ([], [], []) }
        let columns = header.split(separator: 0x09, omittingEmptySubsequences: false).map { unescape($0) ?? "NULL" }
        let types = lines.count > 1 ? lines[1].split(separator: 0x09, omittingEmptySubsequences: false).map { unescape($0) ?? "" } : []
        guard types.count == columns.count else {
            throw WarehouseError(.decoding, "a ClickHouse response names \(types.count) types for \(columns.count) columns")
        }
        var rows: [[String?]] = []
        rows.reserveCapacity(lines.count - 2)
        for (number, line) in lines.dropFirst(2).enumerated() {
            let values = line.split(separator: 0x09, omittingEmptySubsequences: false).map { unescape($0) }
            guard values.count == columns.count else {
                throw WarehouseError(.decoding, "row \(number + 1) of a ClickHouse response has \(values.count) values for \(columns.count) columns")
            }
            rows.append(values)
        }
        return (columns, types, rows)
    }

    /// One value: nil for `\N`, else its text with the escapes undone. An escape ClickHouse does not
    /// write (`\x`) stands for the character after the backslash, as its input parser reads it.
    static func unescape(_ field: ArraySlice<UInt8>) -> String? {
        if field.count == 2 && field.first == 0x5C && field.last == 0x4E { return nil }
        guard field.contains(0x5C) else { return String(decoding: field, as: UTF8.self) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(field.count)
        var escaped = false
        for byte in field {
            if escaped {
                escaped = false
                switch byte {
                case UInt8(ascii: "b"): bytes.append(0x08)
                case UInt8(ascii: "f"): bytes.append(0x0C)
                case UInt8(ascii: "r"): bytes.append(0x0D)
                case UInt8(ascii: "n"): bytes.append(0x0A)
                case UInt8(ascii: "t"): bytes.append(0x09)
                case UInt8(ascii: "0"): bytes.append(0x00)
                default: bytes.append(byte)
                }
            } else if byte == 0x5C {
                escaped = true
            } else {
                bytes.append(byte)
            }
        }
        if escaped { bytes.append(0x5C) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
