/// Who ran a statement and why, in canonical fields; a field no annotation gave is nil.
public struct QueryContext: Hashable, Sendable {
    public var app: String?
    public var user: String?
    public var dag: String?
    public var task: String?
    public var dashboard: String?
    public var chart: String?
    public var model: String?

    public init(app: String? = nil, user: String? = nil, dag: String? = nil, task: String? = nil,
                dashboard: String? = nil, chart: String? = nil, model: String? = nil) {
        self.app = app
        self.user = user
        self.dag = dag
        self.task = task
        self.dashboard = dashboard
        self.chart = chart
        self.model = model
    }

    public subscript(field: ContextField) -> String? {
        get {
            switch field {
            case .app: app
            case .user: user
            case .dag: dag
            case .task: task
            case .dashboard: dashboard
            case .chart: chart
            case .model: model
            }
        }
        set {
            switch field {
            case .app: app = newValue
            case .user: user = newValue
            case .dag: dag = newValue
            case .task: task = newValue
            case .dashboard: dashboard = newValue
            case .chart: chart = newValue
            case .model: model = newValue
            }
        }
    }

    public var isEmpty: Bool { ContextField.allCases.allSatisfy { self[$0] == nil } }
}
