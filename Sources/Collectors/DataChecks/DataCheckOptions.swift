/// What the `data_checks` collector of one warehouse runs.
public struct DataCheckOptions: Sendable, Equatable {
    public var profiles: [ColumnProfileSpec] = []
    public var freshness: [FreshnessSpec] = []
    public var checks: [DataCheckSpec] = []

    public init(profiles: [ColumnProfileSpec] = [], freshness: [FreshnessSpec] = [], checks: [DataCheckSpec] = []) {
        self.profiles = profiles
        self.freshness = freshness
        self.checks = checks
    }

    public var isEmpty: Bool { profiles.isEmpty && freshness.isEmpty && checks.isEmpty }
}
