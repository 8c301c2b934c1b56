import SQLText
import Testing

/// The trace id of a W3C `traceparent` in a statement's annotations, as sqlcommenter's libraries
/// and Datadog's `full` propagation write it: the exemplar that links a query to its trace.
@Suite struct TraceParentTests {
    let analyzer = SQLAnalyzer()

    @Test(arguments: [
        // google/sqlcommenter (Python, Django), appended before the `;`.
        ("SELECT * FROM users /*controller='index',framework='django%3A4.2',traceparent='00-5bd66ef5095369c7b0d1f8f4bd33716a-c532cb4098ac3dd2-01'*/;",
         "5bd66ef5095369c7b0d1f8f4bd33716a"),
        // dd-trace's database monitoring in `full` mode: its service tags and the traceparent, prepended.
        ("/*dddb='orders',dddbs='orders-db',dde='prod',ddps='orders-api',ddpv='1.4.0',traceparent='00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00'*/ SELECT 1",
         "0af7651916cd43dd8448eb211c80319c"),
        // OpenTelemetry's dbapi instrumentation: `%` doubled, numbers unquoted.
        ("SELECT 1 /*db_driver='psycopg2%%3A2.9.9',dbapi_threadsafety=2,traceparent='00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'*/",
         "4bf92f3577b34da6a3ce929d0e0e4736"),
    ])
    func aWellFormedTraceparentGivesItsTraceID(_ sql: String, _ trace: String) {
        #expect(analyzer.analyze(sql).traceID == trace)
    }

    @Test(arguments: [
        "/*dddbs='orders-db',traceparent='00-aa-bb-01'*/ SELECT 1",  // ids too short
        "SELECT 1 /*traceparent='00-00000000000000000000000000000000-b7ad6b7169203331-01'*/",  // the invalid all-zero id
        "SELECT 1 /*traceparent='00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01'*/",  // upper case
        "SELECT 1 /*traceparent='ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'*/",  // the forbidden version
        "SELECT '/*traceparent=''00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01''*/'",  // inside a literal
        "SELECT 1",
    ])
    func anythingElseGivesNone(_ sql: String) {
        #expect(analyzer.analyze(sql).traceID == nil)
    }
}
