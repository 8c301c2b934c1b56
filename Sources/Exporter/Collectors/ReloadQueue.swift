/// Runs changes to the running configuration one after another (start, each reload, shutdown),
/// whether they come from SIGHUP or from `POST /-/reload`: two reloads at once would each stop and
/// start the same warehouse.
actor ReloadQueue {
    private var last: Task<Void, Never>?

    /// Runs `body` once every change queued before it has finished.
    func run<Value: Sendable>(_ body: @escaping @Sendable () async -> Value) async -> Value {
        let previous = last
        let task = Task {
            await previous?.value
            return await body()
        }
        last = Task { _ = await task.value }
        return await task.value
    }
}
