import WarehouseClient

/// Reading a system table on every replica of a cluster: each server keeps its own `query_log`
/// and `processes`, and `clusterAllReplicas` asks each replica of each shard of the cluster (as
/// `remote_servers` names it on the connected server) for its rows, with `hostName()` evaluated
/// there, so the query log's key tells the replicas' rows apart.
enum ClickHouseCluster {
    /// `system.name`, or `clusterAllReplicas('cluster', system.name)`.
    static func table(_ table: String, on cluster: String?) -> String {
        cluster.map { "clusterAllReplicas(\(ClickHouseSQL.literal($0)), \(table))" } ?? table
    }
}
