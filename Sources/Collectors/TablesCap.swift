import Logging
import Synchronization

/// What a tables collector says of `tables.max_tables`: a warning when the cap starts to apply or
/// the number of tables over it changes, a notice when it stops. Said at every run (every few
/// seconds), it would bury the rest of the log.
final class TablesCap: Sendable {
    let maxTables: Int
    /// How many tables matched at the last run when that was over `maxTables`, nil when it was not.
    private let over = Mutex<Int64?>(nil)

    init(maxTables: Int) {
        self.maxTables = maxTables
    }

    /// Notes how many tables matched this run.
    func note(matching: Int64, _ logger: Logger) {
        let now = matching > maxTables ? matching : nil
        let before = over.withLock { state in
            defer { state = now }
            return state
        }
        guard now != before else { return }
        if let now {
            logger.warning(
                "reporting only the largest tables; raise tables.max_tables to see the rest",
                metadata: ["tables": "\(now)", "max_tables": "\(maxTables)"])
        } else {
            logger.info("reporting every table again: no more than tables.max_tables match", metadata: ["max_tables": "\(maxTables)"])
        }
    }
}
