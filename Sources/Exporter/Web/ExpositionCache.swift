import NIOCore
import Synchronization

/// Lets concurrent scrapes of one representation share a rendering, so that 32 scrapers cost
/// little more than one: rendering and compressing 50,000 series takes about 22 ms of CPU, and
/// each scraper rendering its own page made them queue behind each other on two cores.
///
/// A scrape gets a rendering that began at most ``maxAge`` before it arrived:
/// - one that arrives while its representation is being rendered waits for that rendering, if it
///   began within `maxAge`; otherwise for the next, which begins once that one ends;
/// - one that arrives within `maxAge` of the beginning of a rendering that several scrapes
///   shared gets that rendering at once;
/// - any other scrape starts a rendering of its own.
///
/// A lone scraper, one request at a time, therefore always gets a rendering begun after its
/// request arrived: exact, as without the cache. Only scrapes that meet others see data up to
/// `maxAge` old. At most one finished rendering is kept per representation, and only while it
/// may still be handed out.
final class ExpositionCache: Sendable {
    /// What every scrape that shares a rendering is sent.
    struct Rendering: Sendable {
        let body: ByteBuffer
        /// Whether `body` is gzipped: a representation that asks for gzip gets plain text in the
        /// unlikely case that zlib fails.
        let gzipped: Bool
    }

    private typealias Waiter = CheckedContinuation<Rendering, Never>

    /// What became of a scrape on its arrival.
    private enum Arrival {
        case served(Rendering)
        case waiting
        /// It began a rendering, which it waits for like the others.
        case rendering
    }

    private struct Entry {
        /// The rendering in progress: when it began, and the scrapes waiting for it.
        var running: (began: ContinuousClock.Instant, waiters: [Waiter])?
        /// Scrapes that arrived when the rendering in progress had begun more than `maxAge` before:
        /// the next rendering is theirs.
        var queued: [Waiter] = []
        /// The last rendering several scrapes shared, while later scrapes may still get it.
        var shared: (began: ContinuousClock.Instant, rendering: Rendering)?

        mutating func arrive(_ waiter: Waiter, at arrived: ContinuousClock.Instant, maxAge: Duration) -> Arrival {
            if let running {
                if running.began.duration(to: arrived) <= maxAge {
                    self.running?.waiters.append(waiter)
                } else {
                    queued.append(waiter)
                }
                return .waiting
            }
            if let shared, shared.began.duration(to: arrived) <= maxAge { return .served(shared.rendering) }
            shared = nil
            running = (arrived, [waiter])
            return .rendering
        }

        /// Hands `rendering` to the scrapes that waited for it; the queued ones, if any, wait for a
        /// rendering that begins now. Returns when the rendering kept for later scrapes began.
        mutating func finish(_ rendering: Rendering, at ended: ContinuousClock.Instant) -> (waiters: [Waiter], kept: ContinuousClock.Instant?) {
            guard let finished = running else { return ([], nil) }
            var kept: ContinuousClock.Instant?
            if finished.waiters.count > 1 {
                shared = (finished.began, rendering)
                kept = finished.began
            }
            running = queued.isEmpty ? nil : (ended, queued)
            queued = []
            return (finished.waiters, kept)
        }
    }

    /// How long before a scrape's arrival the rendering it gets may have begun: the bound on how
    /// old its data is. One second: Prometheus timestamps a scrape's samples at its start, no
    /// scrape interval is shorter, and scrapes that meet within it get one page instead of
    /// rendering one each.
    let maxAge: Duration
    private let render: @Sendable (ExpositionRepresentation) -> Rendering
    private let entries = Mutex<[ExpositionRepresentation: Entry]>([:])
    private let renderCount = Atomic<Int>(0)

    init(maxAge: Duration = .seconds(1), render: @escaping @Sendable (ExpositionRepresentation) -> Rendering) {
        self.maxAge = maxAge
        self.render = render
    }

    /// Renderings made so far, of every representation.
    var renders: Int { renderCount.load(ordering: .relaxed) }

    /// The rendering a scrape of `representation` arriving now is sent.
    func rendering(_ representation: ExpositionRepresentation) async -> Rendering {
        let arrived = ContinuousClock.now
        return await withCheckedContinuation { (waiter: Waiter) in
            let arrival = entries.withLock { $0[representation, default: Entry()].arrive(waiter, at: arrived, maxAge: maxAge) }
            switch arrival {
            case .served(let rendering): waiter.resume(returning: rendering)
            case .waiting: break
            case .rendering: Task { await self.run(representation) }
            }
        }
    }

    /// Renders for the scrapes waiting, then for those queued meanwhile, until none is left; a
    /// rendering that several shared is dropped once no scrape may get it any more.
    private func run(_ representation: ExpositionRepresentation) async {
        var kept: ContinuousClock.Instant?
        var again = true
        while again {
            let rendering = render(representation)
            renderCount.add(1, ordering: .relaxed)
            let ended = ContinuousClock.now
            let (waiters, keptNow) = entries.withLock { entries in
                let finished = entries[representation, default: Entry()].finish(rendering, at: ended)
                again = entries[representation]?.running != nil
                return finished
            }
            kept = keptNow ?? kept
            for waiter in waiters { waiter.resume(returning: rendering) }
        }
        guard let kept else { return }
        try? await Task.sleep(until: kept + maxAge, clock: .continuous)
        entries.withLock { entries in
            if entries[representation]?.shared?.began == kept { entries[representation]?.shared = nil }
        }
    }
}
