@testable import Demo
import Testing

/// The PromQL the walk builds from label values it found: a value is the user's text (an
/// annotation's user or chart), so it is escaped, never spliced.
@Suite("The root-cause walk's PromQL")
struct RootCauseWalkTests {
    @Test(arguments: [
        ("jordan@corp.com", #"user="jordan@corp.com""#),
        (#"a"b"#, #"user="a\"b""#),
        (#"back\slash"#, #"user="back\\slash""#),
        ("two\nlines", #"user="two\nlines""#),
        (#"x"} or vector(1) or up{y=""#, #"user="x\"} or vector(1) or up{y=\"""#),
    ])
    func matchersEscapeLabelValues(value: String, expected: String) {
        #expect(RootCauseWalk.matcher("user", value) == expected)
    }

    @Test func windowsAreWholeSecondsAndAtLeastOne() {
        #expect(RootCauseWalk.range(.seconds(30)) == "30s")
        #expect(RootCauseWalk.range(.milliseconds(1_500)) == "1s")
        #expect(RootCauseWalk.range(.zero) == "1s")
    }

    /// A series born inside the window counts from zero: it comes before `increase()` in the `or`,
    /// which keeps its left side's series.
    @Test func happenedCountsNewSeriesWhole() {
        #expect(RootCauseWalk.happened("c{a=\"1\"}", "60s") == #"max without (instance, pod) ((c{a="1"} unless c{a="1"} offset 60s) or increase(c{a="1"}[60s]))"#)
    }
}
