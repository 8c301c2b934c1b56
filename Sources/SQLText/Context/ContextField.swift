/// The canonical context fields that annotations are normalised to (docs/annotations.md).
public enum ContextField: String, CaseIterable, Hashable, Sendable {
    case app, user, dag, task, dashboard, chart, model
}
