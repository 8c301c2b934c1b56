import Synchronization
import WarehouseClient

/// Which family of system views a Redshift warehouse offers: the SYS monitoring views
/// (provisioned clusters since 2022, and every Serverless workgroup; they also see
/// concurrency-scaling queries), or only the older STL tables.
enum RedshiftViews: String, Sendable {
    case sys
    case stl

    /// Asks the warehouse which it has: SYS when `SYS_QUERY_HISTORY` exists, else STL.
    static func probe(_ context: CollectionContext) async throws -> RedshiftViews {
        do {
            _ = try await context.query("SELECT 1 FROM sys_query_history WHERE 1 = 0")
            return .sys
        } catch let error as WarehouseError where error.isUndefinedTable {
            context.logger.info("SYS_QUERY_HISTORY does not exist here: reading STL_QUERY and STL_WLM_QUERY")
            return .stl
        }
    }

    /// A collector's answer to ``probe(_:)``, asked once.
    final class Known: Sendable {
        private let views = Mutex<RedshiftViews?>(nil)

        func views(_ context: CollectionContext) async throws -> RedshiftViews {
            if let known = views.withLock({ $0 }) { return known }
            let probed = try await RedshiftViews.probe(context)
            views.withLock { $0 = probed }
            return probed
        }
    }
}
