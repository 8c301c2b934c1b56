/// Finds the tables a statement reads and writes from its token stream.
///
/// A keyword-driven state machine, not a parser: `FROM`/`JOIN`/`USING` read (when the `FROM`
/// belongs to a `SELECT`, `UPDATE` or `DELETE` at the same parenthesis depth, so
/// `extract(year FROM ts)` names no table), and `INTO`/`UPDATE`/`DELETE`/`TRUNCATE`/
/// `CREATE TABLE`/`COPY … FROM`/`ALTER TABLE … APPEND` write. Names followed by `(` in a read
/// position are functions. CTE names are removed at the end. Limits are listed in
/// docs/annotations.md.
struct TableExtractor {
    private enum Expect { case none, read, write, copyTarget, alterTarget }
    private enum CTEState { case idle, expectName, afterName, expectBody, inBody, afterBody }
    private struct Part { var start: Int; var end: Int; var quoted: Bool }

    private var read: [TableName] = []
    private var written: [TableName] = []
    private var seenRead: Set<TableName> = []
    private var seenWritten: Set<TableName> = []
    private var cteNames: Set<String> = []

    private var expect = Expect.none
    /// `,` after a name continues the list (`FROM a, b`, `TRUNCATE a, b`).
    private var listContinues = false
    /// The name being read: its last two parts (schema and table), and whether a `.` came last.
    private var schemaPart: Part?
    private var namePart: Part?
    private var afterDot = false
    /// After a complete name: an alias may follow, then `,`.
    private var afterName = false
    private var aliasSeen = false
    private var skipAliasWord = false

    private var depth = 0
    /// Bit d: a `SELECT`, `UPDATE` or `DELETE` was seen at parenthesis depth d, so a `FROM` there
    /// introduces tables.
    private var fromClauseDepths: UInt64 = 0
    private var previous = Keyword.other
    private var beforePrevious = Keyword.other

    private var createPending = false
    private var alterPending = false
    private var pendingCopy: TableName?
    private var pendingAlter: TableName?
    private var unloadState = 0  // 1: after UNLOAD, 2: after its `(`
    private let allowsUnload: Bool

    private var cteState = CTEState.idle
    private var cteDepth = 0
    /// The first `SELECT`/`INSERT`/`UPDATE`/`DELETE`/`MERGE` of the first statement at the top
    /// level outside a CTE list: what a `WITH …` statement does.
    private(set) var mainVerb: Keyword?
    private var statementEnded = false

    init(allowsUnload: Bool = true) {
        self.allowsUnload = allowsUnload
    }

    mutating func feed(_ token: Token, keyword: Keyword, in bytes: UnsafeBufferPointer<UInt8>, dialect: SQLDialect) {
        if namePart != nil || afterDot {
            if continueName(token, keyword: keyword, in: bytes) { return }
        }
        if expect != .none, startName(token, keyword: keyword) { return }
        if afterName, continueAfterName(token, keyword: keyword, in: bytes) { return }

        trackCTE(token, keyword: keyword, in: bytes)
        switch token.kind {
        case .punctuation:
            punctuation(bytes[token.start])
        case .string where unloadState == 2:
            unloadState = 0
            readUnloadQuery(token, in: bytes, dialect: dialect)
        case .word:
            word(keyword)
        default:
            break
        }
        beforePrevious = previous
        previous = token.kind == .word ? keyword : .other
    }

    // MARK: - Names

    /// Begins a name in a table position; true when the token was consumed.
    private mutating func startName(_ token: Token, keyword: Keyword) -> Bool {
        switch token.kind {
        case .quotedIdentifier:
            namePart = Part(start: token.start, end: token.end, quoted: true)
            return true
        case .word where keyword == .other:
            namePart = Part(start: token.start, end: token.end, quoted: false)
            return true
        case .word where [.only, .lateral, .table, .if, .not, .exists].contains(keyword):
            return true
        default:
            expect = .none
            return false
        }
    }

    /// Extends or completes the name being read; true when the token was consumed.
    private mutating func continueName(_ token: Token, keyword: Keyword, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        if afterDot {
            afterDot = false
            if token.kind == .word || token.kind == .quotedIdentifier {
                schemaPart = namePart
                namePart = Part(start: token.start, end: token.end, quoted: token.kind == .quotedIdentifier)
                return true
            }
            // `schema.` and then something else: no table.
            clearName()
            expect = .none
            return false
        }
        let punctuation = token.kind == .punctuation ? bytes[token.start] : 0
        if punctuation == 0x2E {
            afterDot = true
            return true
        }
        if punctuation == 0x28 && expect == .read {
            clearName()  // a function in FROM: generate_series(…), unnest(…); the list goes on after it
            expect = .none
            if lastListKind != .none { resumeListAtDepth = depth }
            return false
        }
        commitName(in: bytes)
        return false
    }

    private mutating func commitName(in bytes: UnsafeBufferPointer<UInt8>) {
        guard let namePart else { return }
        let table = TableName(schema: schemaPart.map { text(of: $0, in: bytes) }, name: text(of: namePart, in: bytes))
        clearName()
        switch expect {
        case .read: addRead(table)
        case .write: addWritten(table)
        case .copyTarget: pendingCopy = table
        case .alterTarget: pendingAlter = table
        case .none: break
        }
        afterName = listContinues && (expect == .read || expect == .write)
        aliasSeen = false
        expect = .none
    }

    private mutating func clearName() {
        schemaPart = nil
        namePart = nil
        afterDot = false
    }

    /// An alias, then `,` for the next table of a list; true when the token was consumed.
    private mutating func continueAfterName(_ token: Token, keyword: Keyword, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        if skipAliasWord {
            skipAliasWord = false
            aliasSeen = true
            return true
        }
        if token.kind == .punctuation && bytes[token.start] == 0x2C && lastListKind != .none {
            afterName = false
            expect = lastListKind
            return true
        }
        if keyword == .as {
            skipAliasWord = true
            return true
        }
        if !aliasSeen && (token.kind == .quotedIdentifier || (token.kind == .word && keyword == .other)) {
            aliasSeen = true
            return true
        }
        afterName = false
        return false
    }

    private var lastListKind = Expect.none
    /// A function call in a `FROM` list: when its `)` brings the depth back here, an alias and
    /// `,` may follow as after a table.
    private var resumeListAtDepth: Int?

    private mutating func addRead(_ table: TableName) {
        if seenRead.insert(table).inserted { read.append(table) }
    }

    private mutating func addWritten(_ table: TableName) {
        if seenWritten.insert(table).inserted { written.append(table) }
    }

    private func text(of part: Part, in bytes: UnsafeBufferPointer<UInt8>) -> String {
        if part.quoted {
            let inner = bytes[(part.start + 1)..<max(part.start + 1, part.end - 1)]
            return String(decoding: inner, as: UTF8.self).replacing("\"\"", with: "\"")
        }
        var lowered = Array(bytes[part.start..<part.end])
        for index in lowered.indices { lowered[index] = ByteClass.lowercased(lowered[index]) }
        return String(decoding: lowered, as: UTF8.self)
    }

    // MARK: - Statement structure

    private mutating func punctuation(_ byte: UInt8) {
        switch byte {
        case 0x28:  // (
            depth += 1
            if depth < 64 { fromClauseDepths &= ~(1 << UInt64(depth)) }
            if unloadState == 1 { unloadState = 2 }
        case 0x29:  // )
            depth = max(0, depth - 1)
            if depth == resumeListAtDepth {
                resumeListAtDepth = nil
                afterName = true
                aliasSeen = false
            }
        case 0x3B:  // ; ends the statement
            resetStatement()
        default:
            break
        }
    }

    private mutating func word(_ keyword: Keyword) {
        if mainVerb == nil, !statementEnded, depth == 0, cteState == .idle,
           [.select, .insert, .update, .delete, .merge].contains(keyword) {
            mainVerb = keyword
        }
        if createPending && ![.or, .replace, .temp, .temporary, .local, .unlogged, .global, .external, .table].contains(keyword) {
            createPending = false
        }
        switch keyword {
        case .select:
            markFromClause()
        case .update:
            guard ![.for, .key, .do, .on].contains(previous) else { break }
            markFromClause()
            expectTable(.write, list: false)
        case .delete:
            guard ![.on, .then].contains(previous) else { break }
            markFromClause()
            expectTable(.write, list: false)
        case .into:
            expectTable(.write, list: false)
        case .from:
            if previous == .delete {
                expectTable(.write, list: false)
            } else if let table = pendingCopy {
                pendingCopy = nil
                addWritten(table)
            } else if previous == .distinct && beforePrevious == .is {
                break
            } else if previous == .append || (depth < 64 && fromClauseDepths & (1 << UInt64(depth)) != 0) {
                expectTable(.read, list: true)
            }
        case .to:
            if let table = pendingCopy {
                pendingCopy = nil
                addRead(table)
            }
        case .join, .using:
            expectTable(.read, list: false)
        case .truncate:
            expectTable(.write, list: true)
        case .create:
            createPending = true
        case .alter:
            alterPending = true
        case .table:
            if createPending {
                createPending = false
                expectTable(.write, list: false)
            } else if alterPending {
                alterPending = false
                expectTable(.alterTarget, list: false)
            }
        case .append:
            if let table = pendingAlter {
                pendingAlter = nil
                addWritten(table)
            }
        case .copy:
            expectTable(.copyTarget, list: false)
        case .unload where allowsUnload:
            unloadState = 1
        default:
            break
        }
    }

    private mutating func expectTable(_ kind: Expect, list: Bool) {
        expect = kind
        listContinues = list
        lastListKind = list ? kind : .none
        afterName = false
    }

    private mutating func markFromClause() {
        if depth < 64 { fromClauseDepths |= 1 << UInt64(depth) }
    }

    private mutating func resetStatement() {
        statementEnded = true
        expect = .none
        clearName()
        afterName = false
        depth = 0
        fromClauseDepths = 0
        createPending = false
        alterPending = false
        pendingCopy = nil
        pendingAlter = nil
        unloadState = 0
        resumeListAtDepth = nil
        cteState = .idle
    }

    // MARK: - CTEs

    private mutating func trackCTE(_ token: Token, keyword: Keyword, in bytes: UnsafeBufferPointer<UInt8>) {
        let punctuation = token.kind == .punctuation ? bytes[token.start] : 0
        switch cteState {
        case .idle:
            if keyword == .with && token.kind == .word {
                cteState = .expectName
                cteDepth = depth
            }
        case .expectName:
            if keyword == .recursive { return }
            if token.kind == .quotedIdentifier || (token.kind == .word && keyword == .other) {
                let part = Part(start: token.start, end: token.end, quoted: token.kind == .quotedIdentifier)
                cteNames.insert(text(of: part, in: bytes))
                cteState = .afterName
            } else {
                cteState = .idle
            }
        case .afterName:
            if depth > cteDepth || punctuation == 0x28 || punctuation == 0x29 { return }  // a column list
            cteState = keyword == .as ? .expectBody : .idle
        case .expectBody:
            if keyword == .materialized || keyword == .not { return }
            cteState = punctuation == 0x28 ? .inBody : .idle
        case .inBody:
            if punctuation == 0x29 && depth == cteDepth + 1 { cteState = .afterBody }
        case .afterBody:
            cteState = punctuation == 0x2C ? .expectName : .idle
        }
    }

    // MARK: - UNLOAD

    /// `UNLOAD ('select … from t') TO …`: the query is a literal; its tables are read.
    private mutating func readUnloadQuery(_ token: Token, in bytes: UnsafeBufferPointer<UInt8>, dialect: SQLDialect) {
        var inner: [UInt8] = []
        var index = token.start + 1
        let end = token.unterminated ? token.end : token.end - 1
        while index < end {
            let byte = bytes[index]
            if byte == 0x27 || (byte == 0x5C && dialect == .redshift), index + 1 < end {
                inner.append(bytes[index + 1])
                index += 2
            } else {
                inner.append(byte)
                index += 1
            }
        }
        let references = TableExtractor.references(in: inner, dialect: dialect, allowsUnload: false)
        for table in references.read { addRead(table) }
    }

    static func references(in text: [UInt8], dialect: SQLDialect, allowsUnload: Bool) -> TableReferences {
        text.withUnsafeBufferPointer { bytes in
            Lexer.with(bytes, dialect: dialect) { lexer in
                var extractor = TableExtractor(allowsUnload: allowsUnload)
                while let token = lexer.next() {
                    if token.kind == .blockComment || token.kind == .lineComment { continue }
                    extractor.feed(token, keyword: token.kind == .word ? Keyword.lookup(bytes[token.start..<token.end]) : .other, in: bytes, dialect: dialect)
                }
                return extractor.finish(in: bytes)
            }
        }
    }

    /// Completes a name cut off by the end of the text and drops CTE names.
    mutating func finish(in bytes: UnsafeBufferPointer<UInt8>) -> TableReferences {
        if namePart != nil, !afterDot { commitName(in: bytes) }
        let cteNames = cteNames
        let isCTE = { (table: TableName) in table.schema == nil && cteNames.contains(table.name) }
        return TableReferences(read: read.filter { !isCTE($0) }, written: written.filter { !isCTE($0) })
    }
}
