import Synchronization

/// The server process ids of the sessions the exporter opened: what the warehouse records beside
/// each statement (PostgreSQL's log and `pg_stat_activity`, Redshift's `session_id` and `pid`),
/// and what a client that is not the exporter cannot claim, as it can an application name or a
/// comment.
///
/// Every connection opened with settings that carry a registry adds its process id. The newest
/// ``capacity`` are kept: the exporter holds a handful of connections per warehouse, so these
/// cover far more reconnections than any history the collectors read back. `onChange` hears each
/// new list, so the exporter can keep it across a restart, when the log it reads back holds its
/// previous process's statements.
public final class SessionRegistry: Sendable {
    /// How many process ids are remembered.
    public static let capacity = 1024

    private struct Known {
        var order: [Int64]
        var members: Set<Int64>
    }

    private let known: Mutex<Known>
    private let onChange: @Sendable ([Int64]) -> Void

    /// A registry that starts with `saved` (oldest first), telling `onChange` of each new list.
    public init(saved: [Int64] = [], onChange: @escaping @Sendable ([Int64]) -> Void = { _ in }) {
        let order = Array(saved.suffix(Self.capacity))
        known = Mutex(Known(order: order, members: Set(order)))
        self.onChange = onChange
    }

    /// Adds a session's process id; an id already known changes nothing.
    public func insert(_ pid: Int64) {
        let changed: [Int64]? = known.withLock { known in
            guard known.members.insert(pid).inserted else { return nil }
            known.order.append(pid)
            if known.order.count > Self.capacity {
                known.members.remove(known.order.removeFirst())
            }
            return known.order
        }
        if let changed { onChange(changed) }
    }

    /// Whether `pid` is one of the exporter's sessions; nil (a record without one) never is.
    public func contains(_ pid: Int64?) -> Bool {
        guard let pid else { return false }
        return known.withLock { $0.members.contains(pid) }
    }

    /// The known process ids, oldest first.
    public var pids: [Int64] {
        known.withLock { $0.order }
    }
}
