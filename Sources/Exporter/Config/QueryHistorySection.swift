public import Collectors

/// A Redshift or ClickHouse warehouse's `query_history` section: how the collectors that read
/// history views page through them, and what the warehouse costs.
public struct QueryHistorySection: Sendable, Equatable {
    public var window = HistoryWindow()
    /// Redshift provisioned: nodes × the price of a node-hour; each query is charged its execution
    /// seconds. ClickHouse: the server's price an hour; each query is charged its CPU seconds.
    public var dollarsPerHour: Double?
    /// Serverless: the price of an RPU-hour, which the `serverless_cost` collector shares out.
    public var dollarsPerRPUHour: Double?

    public init() {}

    /// On-demand prices per node-hour in us-east-1 (AWS's pricing page; check yours), for `node_type`.
    public static let nodePrices: [String: Double] = [
        "dc2.large": 0.25, "dc2.8xlarge": 4.80, "ra3.large": 0.543, "ra3.xlplus": 1.086, "ra3.4xlarge": 3.26, "ra3.16xlarge": 13.04,
    ]
}
