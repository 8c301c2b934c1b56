import TestSupport
import Testing

/// The tests' exposition parser (TestSupport's `Exposition`), on hand-written text.
@Suite("Exposition parser")
struct ExpositionParserTests {
    @Test func labelValuesAreUnescaped() throws {
        let exposition = Exposition(text: #"""
            # HELP warehouse_check_value A check's figure.
            # TYPE warehouse_check_value gauge
            warehouse_check_value{path="C:\\temp\\x",quote="say \"hi\"",lines="a\nb",other="\t"} 3
            """#)
        #expect(exposition.malformedLines.isEmpty)
        let sample = try #require(exposition.samples("warehouse_check_value").first)
        #expect(sample.labels == ["path": #"C:\temp\x"#, "quote": #"say "hi""#, "lines": "a\nb", "other": #"\t"#])
        #expect(exposition.value("warehouse_check_value", ["path": #"C:\temp\x"#, "quote": #"say "hi""#, "lines": "a\nb", "other": #"\t"#]) == 3)
        #expect(exposition.type(of: "warehouse_check_value") == "gauge")
    }

    @Test func aHistogramsBucketsSumAndCount() {
        let exposition = Exposition(text: """
            # HELP warehouse_query_duration_seconds How long queries took.
            # TYPE warehouse_query_duration_seconds histogram
            warehouse_query_duration_seconds_bucket{warehouse="w",le="0.1"} 1
            warehouse_query_duration_seconds_bucket{warehouse="w",le="1.0"} 3
            warehouse_query_duration_seconds_bucket{warehouse="w",le="+Inf"} 4
            warehouse_query_duration_seconds_sum{warehouse="w"} 12.5
            warehouse_query_duration_seconds_count{warehouse="w"} 4
            """)
        #expect(exposition.malformedLines.isEmpty)
        let buckets = exposition.samples("warehouse_query_duration_seconds_bucket")
        #expect(buckets.map(\.value) == [1, 3, 4])
        #expect(buckets.map { $0.labels["le"] } == ["0.1", "1.0", "+Inf"])
        #expect(exposition.labelValues("le", of: "warehouse_query_duration_seconds_bucket") == ["0.1", "1.0", "+Inf"])
        #expect(exposition.value("warehouse_query_duration_seconds_bucket", ["warehouse": "w", "le": "+Inf"]) == 4)
        #expect(exposition.value("warehouse_query_duration_seconds_sum", ["warehouse": "w"]) == 12.5)
        #expect(exposition.value("warehouse_query_duration_seconds_count", ["warehouse": "w"]) == 4)
        #expect(exposition.type(of: "warehouse_query_duration_seconds") == "histogram")
        #expect(exposition.type(of: "warehouse_query_duration_seconds_bucket") == nil)
    }

    @Test func anAbsentSeriesIsNil() {
        let exposition = Exposition(text: """
            warehouse_up{warehouse="main"} 1
            """)
        #expect(exposition.value("warehouse_up", ["warehouse": "main"]) == 1)
        #expect(exposition.value("warehouse_up", ["warehouse": "other"]) == nil)
        #expect(exposition.value("warehouse_down", ["warehouse": "main"]) == nil)
        #expect(exposition.samples("warehouse_down").isEmpty)
        #expect(exposition.type(of: "warehouse_up") == nil)
    }

    @Test func theLabelSetMustMatchExactlyInAnyOrder() {
        let exposition = Exposition(text: """
            warehouse_table_rows{warehouse="w",schema="raw",table="events"} 10
            warehouse_table_rows{warehouse="w",schema="raw",table="events",database="dev"} 20
            warehouse_table_rows 30
            """)
        #expect(exposition.value("warehouse_table_rows", ["table": "events", "warehouse": "w", "schema": "raw"]) == 10)
        #expect(exposition.value("warehouse_table_rows", ["warehouse": "w", "schema": "raw", "table": "events", "database": "dev"]) == 20)
        #expect(exposition.value("warehouse_table_rows") == 30)
        #expect(exposition.value("warehouse_table_rows", ["warehouse": "w", "schema": "raw"]) == nil)  // a subset is not the set
        #expect(exposition.value("warehouse_table_rows", ["warehouse": "w", "schema": "raw", "table": "other"]) == nil)
        // A prefix of a name is another name.
        #expect(exposition.value("warehouse_table_row", ["warehouse": "w", "schema": "raw", "table": "events"]) == nil)
        // Including some labels, not exactly them:
        #expect(exposition.samples("warehouse_table_rows", including: ["schema": "raw"]).map(\.value) == [10, 20])
    }

    @Test func infinitiesNaNAndTimestamps() throws {
        let exposition = Exposition(text: """
            a +Inf
            b{x="1"} -Inf
            c NaN
            d 1.5e3 1700000000000
            e -0.25
            f  7
            """)
        #expect(exposition.malformedLines.isEmpty)
        #expect(exposition.value("a") == .infinity)
        #expect(exposition.value("b", ["x": "1"]) == -.infinity)
        #expect(try #require(exposition.value("c")).isNaN)
        #expect(exposition.value("d") == 1500)
        #expect(exposition.value("e") == -0.25)
        #expect(exposition.value("f") == 7)
    }

    @Test func aLineThatIsNotASampleIsReportedNotGuessed() {
        let exposition = Exposition(text: """
            good{a="1"} 1
            open{a="1" 2
            unquoted{a=1} 3
            twovalues 1 2 3
            novalue{a="1"}
            9starts_with_a_digit 1
            # a comment that is not HELP or TYPE
            """)
        #expect(exposition.samples.map(\.name) == ["good"])
        #expect(exposition.malformedLines.count == 5)
    }
}
