// libFuzzer entry point for the SQL text analysis; built by scripts/fuzz together with the
// SQLText sources as one module, so it can check internal agreement as well as crashes.

/// One user pattern, so the regex path runs on fuzzed comments too.
let patternRules = AnnotationRules(
    aliases: ["pipeline": .dag],
    patterns: [try! AnnotationPattern(name: "acme", pattern: #"job=(?<dag>\w+)/(?<task>\w+)"#)])

/// Builds the global rules before fuzzing starts, so LeakSanitizer does not take the one-time
/// regex compilation for a leak of the first input.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    _ = patternRules
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    for dialect in [SQLDialect.postgres, .redshift] {
        let analyzer = SQLAnalyzer(dialect: dialect, rules: patternRules)
        let full = analyzer.analyze(utf8: bytes)
        let fast = analyzer.context(ofUTF8: bytes)
        // The comment-only fast path must see exactly the comments the full lexer sees.
        precondition(full.annotated == fast, "fast and full context paths disagree")
        precondition(full.fingerprint.description.utf8.count == 16)
    }
    let unescaped = StoredText.unescapeRedshift(bytes)
    _ = unescaped.withUnsafeBufferPointer { SQLAnalyzer(dialect: .redshift).analyze(utf8: $0) }
    return 0
}
