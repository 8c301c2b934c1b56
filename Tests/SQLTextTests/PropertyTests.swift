import Foundation
import PropertyBased
import SQLText
import TestSupport
import Testing

@Suite struct PropertyTests {
    /// Bytes that steer the lexer into its states: quotes, dollars, comment markers, braces.
    static let fragments: [[UInt8]] = [
        "'", "\"", "$", "$$", "$a$", "/*", "*/", "--", "\n", "\r", "\\", "{", "}", "[", "]", ":", "=", ",", "(", ")",
        "e'", "E'", "''", "INTERMIX_ID: ", "Metabase:: ", "Username: ", "-- Looker Query Context '", "{\"app\":\"",
        "select ", "from ", "join ", "into ", "with ", "as ", "unload ", "copy ", "in ", "values ", "x", "1", "-1", " ",
        // The markers of the formats tools write today.
        "query_id: ", "Query ID: ", "/* partner: \"metabase\", ", "Metabase", " accountID: ", "-- /* ", "*/;", "RQEV2-",
        "='", "=2,", "%%3A", "%3", "+", "\\'", "`", "line:", "parameterized_query_hash=", "{\"query_context\":\"",
        "\"organization_uuid\":\"", "connection_name", "\"client\":\"Metabase\"", "/*+ ",
    ].map { Array($0.utf8) } + [[0x00], [0xFF], [0xC3], [0xE2, 0x82], [0x80]]

    static let soup = Gen.element(of: fragments).map { $0 ?? [] }.array(of: 0...120).map { $0.flatMap { $0 } }
    static let noise = Gen.uint8(in: 0...255).array(of: 0...400)

    /// Never crashes, and the fast context path agrees with the full analysis.
    func check(_ bytes: [UInt8]) {
        for dialect in [SQLDialect.postgres, .redshift] {
            let analyzer = SQLAnalyzer(dialect: dialect)
            bytes.withUnsafeBufferPointer { buffer in
                let full = analyzer.analyze(utf8: buffer)
                let fast = analyzer.context(ofUTF8: buffer)
                #expect(full.annotated == fast)
            }
        }
        _ = SQLAnalyzer(dialect: .redshift).analyze(String(decoding: bytes, as: UTF8.self), storedEscapes: true)
    }

    @Test func arbitraryBytesNeverCrash() async {
        await propertyCheck(count: FuzzScale.iterations(2000), input: Self.noise) { check($0) }
    }

    @Test func sqlShapedSoupNeverCrashes() async {
        await propertyCheck(count: FuzzScale.iterations(3000), input: Self.soup) { check($0) }
    }

    // MARK: - Annotations inside literals

    /// The ways a text can sit inside a literal or a quoted identifier, each writing `text` so
    /// that it ends where the literal does.
    enum Enclosure: CaseIterable {
        case standardString, escapeString, dollarQuoted, quotedIdentifier

        func enclose(_ text: [UInt8], dialect: SQLDialect) -> [UInt8] {
            func escaping(_ escapes: [UInt8: [UInt8]]) -> [UInt8] { text.flatMap { escapes[$0] ?? [$0] } }
            switch self {
            case .standardString where dialect == .redshift:
                // Every Redshift string takes backslash escapes.
                return Array("'".utf8) + escaping([0x27: [0x27, 0x27], 0x5C: [0x5C, 0x5C]]) + Array("'".utf8)
            case .standardString:
                return Array("'".utf8) + escaping([0x27: [0x27, 0x27]]) + Array("'".utf8)
            case .escapeString:
                return Array("E'".utf8) + escaping([0x27: [0x5C, 0x27], 0x5C: [0x5C, 0x5C]]) + Array("'".utf8)
            case .dollarQuoted:
                return Array("$zq$".utf8) + text + Array("$zq$".utf8)
            case .quotedIdentifier:
                return Array("\"".utf8) + escaping([0x22: [0x22, 0x22]]) + Array("\"".utf8)
            }
        }
    }

    /// An annotation found in a comment is never found when the same text sits inside a literal:
    /// every annotated statement of the corpus (each format, prepended and appended), with
    /// SQL-shaped noise around it, enclosed each way, in both dialects.
    @Test func annotationsInsideLiteralsAreNeverFound() async {
        let annotated = AnnotationCorpus.cases.filter { $0.source != "none" }
        let input = Gen.int(in: 0...(annotated.count - 1))
        await propertyCheck(count: FuzzScale.iterations(1000), input: input, Self.soup, Self.soup) { index, before, after in
            let example = annotated[index]
            // The noise must not end the dollar quote early; nothing in the soup spells its tag.
            let text = before + Array(example.sql.utf8) + after
            for dialect in [SQLDialect.postgres, .redshift] {
                let analyzer = SQLAnalyzer(dialect: dialect)
                #expect(analyzer.context(of: example.sql).source.description == example.source, "\(example.name) in a comment")
                for enclosure in Enclosure.allCases {
                    let statement = Array("SELECT ".utf8) + enclosure.enclose(text, dialect: dialect) + Array(" AS x FROM t".utf8)
                    statement.withUnsafeBufferPointer { bytes in
                        let analysis = analyzer.analyze(utf8: bytes)
                        let fast = analyzer.context(ofUTF8: bytes)
                        #expect(analysis.source == .none, "\(example.name), \(enclosure), \(dialect)")
                        #expect(analysis.context.isEmpty && analysis.annotated.attributes.isEmpty, "\(example.name), \(enclosure)")
                        #expect(fast == analysis.annotated, "\(example.name), \(enclosure), \(dialect)")
                        #expect(!analysis.truncated, "\(example.name), \(enclosure), \(dialect)")
                        #expect(analysis.tables.read == [TableName(name: "t")], "\(example.name), \(enclosure), \(dialect)")
                    }
                }
            }
        }
    }

    /// Redshift's stored escapes undone: the escape pairs of the reference, every other byte
    /// (a lone or unknown backslash included) as it was.
    @Test func storedEscapesUndoneLikeTheReference() async {
        func reference(_ bytes: [UInt8]) -> [UInt8] {
            var text = String(decoding: bytes.map { $0 == 0 ? 1 : $0 }, as: Unicode.ASCII.self)
            text = text.replacingOccurrences(of: "\\\\", with: "\u{0}")
            for (escape, byte) in [("\\n", "\n"), ("\\r", "\r"), ("\\t", "\t")] { text = text.replacingOccurrences(of: escape, with: byte) }
            return Array(text.replacingOccurrences(of: "\u{0}", with: "\\").utf8)
        }
        let ascii = Gen.element(of: Array("\\nrtx a".utf8)).map { $0 ?? 0x20 }.array(of: 0...60)
        await propertyCheck(count: FuzzScale.iterations(2000), input: ascii) { bytes in
            #expect(StoredText.unescapeRedshift(bytes) == reference(bytes), "\(bytes)")
        }
        #expect(StoredText.unescapeRedshift(Array(#"a\nb\\c\qd\"#.utf8)) == Array("a\nb\\c\\qd\\".utf8))
    }

    /// A char(n) column's padding dropped, whatever the length and wherever the last non-blank.
    @Test func paddingTrimmedLikeTheReference() async {
        let padded = Gen.element(of: Array("x  ".utf8)).map { $0 ?? 0x20 }.array(of: 0...40)
            .map { $0 + Array(repeating: UInt8(0x20), count: Int($0.count * 7 % 23)) }
        await propertyCheck(count: FuzzScale.iterations(2000), input: padded) { bytes in
            let trimmed = bytes.withUnsafeBufferPointer { Array(StoredText.trimmingPadding($0)) }
            #expect(trimmed == Array(bytes.reversed().drop { $0 == 0x20 }.reversed()), "\(bytes)")
        }
    }

    // MARK: - Fingerprint invariance

    static let templates = [
        "SELECT a , b FROM t WHERE a = {L} AND b > {L}",
        "SELECT * FROM s.t WHERE id IN ( {LIST} ) ORDER BY a LIMIT {L}",
        "INSERT INTO t ( a , b ) VALUES ( {L} , {L} )",
        "UPDATE t SET a = {L} , c = a + {L} WHERE id = {L}",
        "SELECT count ( * ) FROM t JOIN u ON t.id = u.id WHERE u.name LIKE {L} ;",
        "DELETE FROM t WHERE ts < {L} OR x NOT IN ( {LIST} )",
    ]

    /// Renders `template` with literals, spacing, comments and keyword case chosen by `seed`.
    static func render(_ template: String, seed: UInt64) -> String {
        var random = SplitMix(seed)
        let literals = ["42", "-7", "3.25", "1e10", "'x'", "'it''s -- no /* comment'", "$$a'b$$", "$q$ -- $q$", "E'a\\'b'", "$1", "?", "%s"]
        let spaces = [" ", "  ", "\n", "\t", " /* {\"app\":\"dbt\"} */ ", " -- app=etl\n", "\r\n"]
        var output = spaces[random.next(spaces.count)]
        for piece in template.split(separator: " ") {
            switch piece {
            case "{L}":
                output += literals[random.next(literals.count)]
            case "{LIST}":
                output += (0...random.next(5)).map { _ in literals[random.next(literals.count)] }.joined(separator: ", ")
            default:
                let upper = random.next(2) == 0
                output += piece.first!.isLetter ? (upper ? piece.uppercased() : piece.lowercased()) : String(piece)
            }
            output += spaces[random.next(spaces.count)]
        }
        return output
    }

    @Test func fingerprintIgnoresLiteralsCommentsSpacingAndCase() async {
        let input = Gen.element(of: Self.templates).map { $0! }
        await propertyCheck(count: FuzzScale.iterations(1000), input: input, Gen.uint64(), Gen.uint64()) { template, first, second in
            let a = Self.render(template, seed: first)
            let b = Self.render(template, seed: second)
            #expect(SQLAnalyzer().analyze(a).fingerprint == SQLAnalyzer().analyze(b).fingerprint, "\(a) vs \(b)")
        }
    }

    @Test func differentTemplatesDiffer() {
        var seen: [Fingerprint: String] = [:]
        for template in Self.templates {
            let fingerprint = SQLAnalyzer().analyze(Self.render(template, seed: 1)).fingerprint
            #expect(seen[fingerprint] == nil, "\(template) collides with \(seen[fingerprint] ?? "")")
            seen[fingerprint] = template
        }
    }
}

/// A tiny deterministic generator, so a failing rendering can be reproduced from its seed.
struct SplitMix {
    private var state: UInt64

    init(_ seed: UInt64) { state = seed }

    mutating func next(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(bound))
    }
}
