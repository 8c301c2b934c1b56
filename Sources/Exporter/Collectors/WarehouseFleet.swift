/// The warehouses being collected from, each runner in a task of its own, so that a reload can
/// stop and start one warehouse while the others go on untouched.
actor WarehouseFleet {
    private var tasks: [String: Task<Void, Never>] = [:]
    /// Runners start only between ``open(_:)`` and ``close()``: a reload before the collectors
    /// started, or after shutdown began, changes the configuration and starts nothing.
    private var isOpen = false

    /// Starts collecting with `runners`.
    func open(_ runners: [WarehouseRunner]) {
        isOpen = true
        start(runners)
    }

    /// Starts each runner, unless the fleet is not open.
    func start(_ runners: [WarehouseRunner]) {
        guard isOpen else { return }
        for runner in runners {
            precondition(tasks[runner.config.name] == nil, "warehouse \(runner.config.name) started twice")
            tasks[runner.config.name] = Task { await runner.run() }
        }
    }

    /// Stops the runners of `warehouses` and returns once each has ended: a statement in flight is
    /// cancelled, and what a collector counted is saved before it returns, so a runner started
    /// afterwards on the same warehouse reads on from there.
    func stop(_ warehouses: [String]) async {
        let stopping = warehouses.compactMap { tasks.removeValue(forKey: $0) }
        for task in stopping { task.cancel() }
        for task in stopping { await task.value }
    }

    /// Stops every runner, for good.
    func close() async {
        isOpen = false
        await stop(Array(tasks.keys))
    }
}
