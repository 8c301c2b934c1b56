import Foundation
import Synchronization

/// At most `limit` bcrypt verifications at once, and a few requests waiting briefly for a turn;
/// the rest are turned away without one. Each verification holds a core for tens of
/// milliseconds by design, so clients sending wrong passwords as fast as they can would otherwise
/// take every core from the scrapes whose password is already proven.
final class VerificationGate: Sendable {
    let limit: Int
    let waiting: Int
    let patience: Duration
    private let state = Mutex<(running: Int, waiting: Int)>((0, 0))

    /// Half the cores (at least one) verify, as many again may wait up to a quarter second.
    init(limit: Int = max(1, ProcessInfo.processInfo.activeProcessorCount / 2), waiting: Int? = nil, patience: Duration = .milliseconds(250)) {
        self.limit = max(1, limit)
        self.waiting = waiting ?? self.limit
        self.patience = patience
    }

    /// `verify`'s answer, or nil when no turn came: the caller answers without verifying.
    func run(_ verify: () -> Bool) async -> Bool? {
        guard await acquire() else { return nil }
        defer { state.withLock { $0.running -= 1 } }
        return verify()
    }

    private func acquire() async -> Bool {
        enum Turn { case now, wait, never }
        let turn: Turn = state.withLock { state in
            if state.running < limit {
                state.running += 1
                return .now
            }
            guard state.waiting < waiting else { return .never }
            state.waiting += 1
            return .wait
        }
        switch turn {
        case .now: return true
        case .never: return false
        case .wait: break
        }
        defer { state.withLock { $0.waiting -= 1 } }
        let deadline = ContinuousClock.now + patience
        // A poll: the waiters are few and the wait is short, and it cannot leak a continuation.
        while ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
            let got = state.withLock { state in
                guard state.running < limit else { return false }
                state.running += 1
                return true
            }
            if got { return true }
        }
        return false
    }
}
