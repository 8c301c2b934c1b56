/// How a finished query ended: the `status` label.
public enum QueryStatus: String, Sendable, CaseIterable {
    case success
    /// An error: bad SQL, a constraint, a permission.
    case failed
    /// Stopped before it finished: cancelled, timed out, its client gone, a monitoring rule.
    case aborted
}
