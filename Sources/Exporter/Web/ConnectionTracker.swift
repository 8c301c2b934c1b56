import NIOCore
import Synchronization

/// The server's open connections, which are busy with a request and since when the others have
/// been idle: over the limit, the longest idle one makes room, because refusing (or, as
/// Hummingbird's `MaximumAvailableConnections` does, no longer accepting) would let idle
/// clients lock Prometheus out until they time out.
final class ConnectionTracker: Sendable {
    private struct Entry {
        let channel: any Channel
        var requests = 0
        var served = 0
        var idleSince: ContinuousClock.Instant
    }

    let limit: Int
    private let entries = Mutex<[ObjectIdentifier: Entry]>([:])

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    var count: Int { entries.withLock { $0.count } }

    /// Records a new connection; returns the one to close to stay within the limit, if any.
    func opened(_ channel: any Channel) -> (any Channel)? {
        entries.withLock { entries in
            var victim: (any Channel)?
            if entries.count >= limit {
                let oldest = entries.filter { $0.value.requests == 0 }.min { $0.value.idleSince < $1.value.idleSince }
                if let oldest {
                    victim = oldest.value.channel
                    entries[oldest.key] = nil
                } else {
                    return channel
                }
            }
            entries[ObjectIdentifier(channel)] = Entry(channel: channel, idleSince: .now)
            return victim
        }
    }

    func closed(_ channel: any Channel) {
        _ = entries.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    func requestStarted(_ channel: any Channel) {
        entries.withLock { entries in
            entries[ObjectIdentifier(channel)]?.requests += 1
        }
    }

    func requestEnded(_ channel: any Channel) {
        entries.withLock { entries in
            guard var entry = entries[ObjectIdentifier(channel)] else { return }
            entry.requests -= 1
            entry.served += 1
            entry.idleSince = .now
            entries[ObjectIdentifier(channel)] = entry
        }
    }

    /// Whether `channel` is still open without having sent one request.
    func hasSentNothing(_ channel: any Channel) -> Bool {
        entries.withLock { entries in
            guard let entry = entries[ObjectIdentifier(channel)] else { return false }
            return entry.requests == 0 && entry.served == 0
        }
    }
}
