/// What runs on each warehouse now, replaced at each poll: queries running and waiting, the
/// oldest of them, lock waits by the app holding the lock, and sessions idle in a transaction.
struct ActivityFamilies {
    static let families: [MetricFamily] = [.running, .queued, .oldestRunning, .blocked, .idleInTransaction, .oldestIdleInTransaction]

    /// In the order of ``families``.
    private var snapshots: [SnapshotStore]
    private let who: [LabelPolicy.Dimension]
    private let hasApp: Bool

    init(policy: LabelPolicy) {
        snapshots = Self.families.map { family in
            SnapshotStore(
                family, labelNames: family.labelNames(policy.dimensions),
                combine: family == .oldestRunning || family == .oldestIdleInTransaction ? .max : .sum)
        }
        who = MetricFamily.running.dimensions(policy.dimensions)
        hasApp = MetricFamily.oldestRunning.dimensions(policy.dimensions).contains(.app)
    }

    /// The samples of each family that `snapshot` shows, in the order of ``families``.
    func samples(_ snapshot: ActivitySnapshot, _ labels: LabelValues) -> [[([String], Double)]] {
        let warehouse = snapshot.warehouse
        var samples = Array(repeating: [([String], Double)](), count: Self.families.count)
        for session in snapshot.sessions {
            let who = [warehouse] + labels.values(self.who, session.attribution)
            let app = hasApp ? [warehouse, labels.value(of: .app, session.attribution)] : [warehouse]
            switch session.state {
            case .running, .queued:
                samples[session.state == .running ? 0 : 1].append((who + [labels.clean(session.queue)], 1))
                samples[2].append((app, session.age))
                for blocker in Set(session.blockerApps) {
                    samples[3].append((app + [labels.clean(blocker.isEmpty ? "unknown" : blocker)], 1))
                }
            case .idleInTransaction:
                samples[4].append((who, 1))
                samples[5].append((app, session.age))
            }
        }
        // A count with nothing to count is 0 for the warehouse, not absent: a panel of running
        // queries reads 0, not "no data". An age of nothing has no value and stays absent.
        for index in [0, 1, 3, 4] where samples[index].isEmpty {
            samples[index].append(([warehouse] + Array(repeating: "", count: snapshots[index].labelNames.count - 1), 0))
        }
        return samples
    }

    /// Replaces the warehouse's series with `samples` (from ``samples(_:_:)``), folding what is
    /// over the policy's caps.
    mutating func replace(warehouse: String, with samples: [[([String], Double)]], maxValuesPerLabel: Int, now: Double, overflow: inout OverflowCounter) {
        for index in snapshots.indices {
            let folded = snapshots[index].replace(owner: [warehouse], with: samples[index], maxValuesPerLabel: maxValuesPerLabel)
            for (label, count) in folded {
                overflow.add(Double(count), metric: snapshots[index].name, label: label, now: now)
            }
        }
    }

    /// Removes `warehouse`'s snapshot from every family.
    mutating func remove(warehouse: String) {
        for index in snapshots.indices { _ = snapshots[index].replace(owner: [warehouse], with: [], maxValuesPerLabel: .max) }
    }

    var stores: [any RenderedStore] { snapshots }
}
