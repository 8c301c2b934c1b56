@testable import Collectors
import Testing

/// The schema patterns become one POSIX regular expression: Redshift documents POSIX syntax for
/// `~`, which has plain groups only.
@Suite struct SchemaFilterTests {
    @Test func patternsAreJoinedWithPlainGroupsAndAnchored() throws {
        let expression = SchemaFilter.anchored(["raw_.*", "marts"])
        #expect(expression == "^((raw_.*)|(marts))$")
        #expect(!expression.contains("(?"))
        let regex = try Regex(expression)
        #expect(try regex.wholeMatch(in: "raw_events") != nil)
        #expect(try regex.wholeMatch(in: "marts") != nil)
        #expect(try regex.wholeMatch(in: "marts_old") == nil)
        #expect(try regex.wholeMatch(in: "staging") == nil)
    }

    @Test func anEmptyExclusionIsNoParameter() {
        #expect(SchemaFilter.parameters(include: [".*"], exclude: [], limit: 10) == ["^((.*))$", nil, "10"])
    }
}
