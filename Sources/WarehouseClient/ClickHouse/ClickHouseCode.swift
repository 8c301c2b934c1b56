/// The ClickHouse error codes the exporter decides on (`src/Common/ErrorCodes.cpp`), and how a
/// response carries one.
public enum ClickHouseCode {
    public static let unknownIdentifier = 47
    public static let unknownTable = 60
    public static let syntaxError = 62
    public static let unknownDatabase = 81
    public static let timeoutExceeded = 159
    public static let readonly = 164
    public static let unknownUser = 192
    public static let wrongPassword = 193
    public static let requiredPassword = 194
    public static let memoryLimitExceeded = 241
    public static let queryWasCancelled = 394
    public static let accessDenied = 497
    public static let authenticationFailed = 516

    /// The codes of a refused login: servers before about 21 tell which (192, 193, 194), later ones
    /// say 516 whatever it was.
    static let authentication: Set<Int> = [unknownUser, wrongPassword, requiredPassword, authenticationFailed]

    /// The code at the start of an error body: `Code: 60. DB::Exception: …` since about 21.8,
    /// `Code: 60, e.displayText() = …` before. Servers before 20.2 send no
    /// `X-ClickHouse-Exception-Code` header, so the body is the one source every version has.
    static func parse(body: some Collection<UInt8>) -> Int? {
        let prefix = Array("Code: ".utf8)
        guard body.starts(with: prefix) else { return nil }
        var value = 0
        var digits = 0
        for byte in body.dropFirst(prefix.count) {
            guard byte >= 0x30 && byte <= 0x39 else { return digits > 0 && (byte == 0x2E || byte == 0x2C) ? value : nil }
            guard digits < 9 else { return nil }
            value = value * 10 + Int(byte - 0x30)
            digits += 1
        }
        return nil
    }
}

extension WarehouseError {
    /// ClickHouse named a table that does not exist (or not yet: `system.query_log` appears at the
    /// server's first flush).
    public var isClickHouseUnknownTable: Bool { clickHouseCode == ClickHouseCode.unknownTable }
    /// ClickHouse refused the statement for a missing grant.
    public var isClickHouseAccessDenied: Bool { clickHouseCode == ClickHouseCode.accessDenied }
}
