/// Reads who ran a statement and why (its annotations), its shape (fingerprint) and the tables it
/// touches, from its text alone. Pure and thread-safe: one analyzer serves every collector.
///
/// Input is bytes that are usually UTF-8 but never trusted to be; time is linear in the length
/// of the text.
public struct SQLAnalyzer: Sendable {
    public var dialect: SQLDialect
    public var rules: AnnotationRules
    private let resolver: ContextResolver

    public init(dialect: SQLDialect = .postgres, rules: AnnotationRules = AnnotationRules()) {
        self.dialect = dialect
        self.rules = rules
        self.resolver = ContextResolver(rules: rules)
    }

    /// The annotations alone: the fast path when only the context is needed.
    ///
    /// - Parameter storedEscapes: the text is as Redshift stores it, with `\n` and `\\` escaped.
    public func context(of text: String, storedEscapes: Bool = false) -> AnnotatedContext {
        withBytes(of: text, storedEscapes: storedEscapes) { context(ofUTF8: $0) }
    }

    /// ``context(of:storedEscapes:)`` over raw bytes.
    public func context(ofUTF8 bytes: UnsafeBufferPointer<UInt8>) -> AnnotatedContext {
        Lexer.with(bytes, dialect: dialect) { lexer in
            var collector = AnnotationCollector(analyzer: self, bytes: bytes)
            while let comment = lexer.nextComment() { collector.add(comment) }
            return collector.finish(cutOff: lexer.endedInsideLiteral)
        }
    }

    /// The full analysis: annotations, fingerprint and tables, in one pass over the text.
    public func analyze(_ text: String, storedEscapes: Bool = false) -> SQLAnalysis {
        withBytes(of: text, storedEscapes: storedEscapes) { analyze(utf8: $0) }
    }

    /// ``analyze(_:storedEscapes:)`` over raw bytes, read where they are when there is nothing to undo.
    public func analyze(utf8 bytes: UnsafeBufferPointer<UInt8>, storedEscapes: Bool) -> SQLAnalysis {
        withStored(bytes, storedEscapes: storedEscapes) { analyze(utf8: $0) }
    }

    /// ``analyze(_:storedEscapes:)`` over raw bytes.
    public func analyze(utf8 bytes: UnsafeBufferPointer<UInt8>) -> SQLAnalysis {
        Lexer.with(bytes, dialect: dialect) { lexer in
            var collector = AnnotationCollector(analyzer: self, bytes: bytes)
            var fingerprinter = Fingerprinter()
            var tables = TableExtractor()
            var cutOff = false
            var firstWord: Token?
            while let token = lexer.next() {
                cutOff = cutOff || token.unterminated
                switch token.kind {
                case .blockComment, .lineComment:
                    collector.add(token)
                case .word:
                    if firstWord == nil { firstWord = token }
                    let keyword = Keyword.lookup(bytes[token.start..<token.end])
                    fingerprinter.feed(token, keyword: keyword, in: bytes)
                    tables.feed(token, keyword: keyword, in: bytes, dialect: dialect)
                default:
                    fingerprinter.feed(token, keyword: .other, in: bytes)
                    tables.feed(token, keyword: .other, in: bytes, dialect: dialect)
                }
            }
            fingerprinter.finish()
            let first = firstWord.map { String(decoding: bytes[$0.start..<min($0.end, $0.start + 16)].lazy.map(ByteClass.lowercased), as: UTF8.self) }
            return SQLAnalysis(
                annotated: collector.finish(cutOff: cutOff),
                fingerprint: fingerprinter.fingerprint,
                tables: tables.finish(in: bytes),
                queryType: QueryType.classify(firstWord: first ?? "", mainVerb: tables.mainVerb))
        }
    }

    /// The statement's shape as text (``ShapeText``): what its fingerprint hashes, with unquoted
    /// words lowercased, every literal and parameter `?` and comments gone, at most `limit` bytes
    /// (cut with `…`). The text is read only as far as the limit needs. Never holds a literal's
    /// value, so it can be shown where the statement's text could not.
    ///
    /// - Parameter storedEscapes: the text is as Redshift stores it, with `\n` and `\\` escaped.
    public func shape(of text: String, storedEscapes: Bool = false, limit: Int) -> String {
        withBytes(of: text, storedEscapes: storedEscapes) { shape(utf8: $0, limit: limit) }
    }

    /// ``shape(of:storedEscapes:limit:)`` over raw bytes, read where they are when there is nothing to undo.
    public func shape(utf8 bytes: UnsafeBufferPointer<UInt8>, storedEscapes: Bool, limit: Int) -> String {
        withStored(bytes, storedEscapes: storedEscapes) { shape(utf8: $0, limit: limit) }
    }

    private func shape(utf8 bytes: UnsafeBufferPointer<UInt8>, limit: Int) -> String {
        Lexer.with(bytes, dialect: dialect) { lexer in
            var fingerprinter = Fingerprinter(writer: ShapeText(limit: limit))
            while !fingerprinter.writer.isCut, let token = lexer.next() {
                switch token.kind {
                case .blockComment, .lineComment:
                    continue
                case .word:
                    fingerprinter.feed(token, keyword: Keyword.lookup(bytes[token.start..<token.end]), in: bytes)
                default:
                    fingerprinter.feed(token, keyword: .other, in: bytes)
                }
            }
            fingerprinter.finish()
            return fingerprinter.writer.text
        }
    }

    private func withBytes<Result>(of text: String, storedEscapes: Bool, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        var text = text
        return text.withUTF8 { withStored($0, storedEscapes: storedEscapes, body) }
    }

    private func withStored<Result>(
        _ whole: UnsafeBufferPointer<UInt8>, storedEscapes: Bool, _ body: (UnsafeBufferPointer<UInt8>) -> Result
    ) -> Result {
        guard storedEscapes else { return body(whole) }
        // Stored text comes from char(n) columns, padded with blanks to n (4000 for a query's
        // text in Redshift's system views): trimming here rather than in the warehouse's SQL
        // costs one backward scan, where rtrim() made PostgreSQL's page queries 3× slower.
        let raw = StoredText.trimmingPadding(whole)
        // Without a backslash there is nothing to undo: read the text where it is.
        guard raw.contains(0x5C) else { return body(raw) }
        return StoredText.unescapeRedshift(raw).withUnsafeBufferPointer(body)
    }

    /// Reads each comment's annotation and resolves them at the end.
    private struct AnnotationCollector {
        let analyzer: SQLAnalyzer
        let bytes: UnsafeBufferPointer<UInt8>
        var annotations: [Annotation] = []
        var cutOff = false

        mutating func add(_ comment: Token) {
            var end = comment.end
            if comment.kind == .blockComment && !comment.unterminated { end -= 2 }
            if comment.kind == .lineComment, end > comment.start + 2, bytes[end - 1] == 0x0D { end -= 1 }
            let body = UnsafeBufferPointer(rebasing: bytes[(comment.start + 2)..<max(comment.start + 2, end)])
            cutOff = cutOff || comment.unterminated
            let text = analyzer.rules.patterns.isEmpty ? "" : String(decoding: body, as: UTF8.self)
            for pattern in analyzer.rules.patterns {
                if let attributes = pattern.match(text), !attributes.isEmpty {
                    annotations.append(Annotation(source: .pattern(pattern.name), attributes: attributes, truncated: comment.unterminated))
                }
            }
            if let annotation = CommentReader.annotation(in: body, cutOff: comment.unterminated) {
                annotations.append(annotation)
            }
        }

        func finish(cutOff textCutOff: Bool) -> AnnotatedContext {
            guard !annotations.isEmpty else { return AnnotatedContext(truncated: cutOff || textCutOff) }
            let resolution = analyzer.resolver.resolve(annotations)
            return AnnotatedContext(
                source: resolution.source, context: resolution.context, attributes: resolution.attributes,
                annotations: annotations,
                truncated: cutOff || textCutOff || annotations.contains { $0.truncated })
        }
    }
}
