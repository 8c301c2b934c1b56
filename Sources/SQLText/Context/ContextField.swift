/// The canonical context fields of DESIGN.md that annotations are normalised to.
public enum ContextField: String, CaseIterable, Hashable, Sendable {
    case app, user, dag, task, dashboard, chart, model
}
