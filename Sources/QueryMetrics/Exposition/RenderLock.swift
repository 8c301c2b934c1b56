import Synchronization

/// Held while a registry renders and while a snapshot replaces its families' series: a scrape
/// sees a collector run's snapshot, every family of it, whole or not at all. Each family keeps its
/// own lock for everything else, so a single series update never waits on a scrape.
final class RenderLock: Sendable {
    private let mutex = Mutex(())

    func withLock<Result>(_ body: () throws -> Result) rethrows -> Result {
        try mutex.withLock { _ in try body() }
    }
}
