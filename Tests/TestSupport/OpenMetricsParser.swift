/// The Python client library's OpenMetrics parser (PyPI's prometheus-client), strict where
/// Prometheus's own is lenient: canonical bucket bounds, counter families named without `_total`,
/// exemplars' syntax and size, `# EOF`.
public enum OpenMetricsParser {
    /// Parses `page`; returns nil when it is valid OpenMetrics, else the parser's complaint.
    /// Throws when the library is missing.
    public static func problem(in page: String) async throws -> String? {
        let script = """
            import sys
            try:
                from prometheus_client.openmetrics.parser import text_string_to_metric_families
            except ImportError:
                print("MISSING"); sys.exit(3)
            try:
                families = list(text_string_to_metric_families(sys.stdin.read()))
            except Exception as error:
                print(error); sys.exit(1)
            print(sum(len(f.samples) for f in families))
            """
        let (status, output) = try await Subprocess.run(["python3", "-c", script], input: page)
        if status == 3 { throw TestSupportError("prometheus-client is missing (pip install prometheus-client; scripts/install-deps does it)") }
        return status == 0 ? nil : output
    }
}
