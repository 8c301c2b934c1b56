/// What is happening on a warehouse right now, as an activity collector samples it: one entry
/// per session that is running a query, waiting, or idle in a transaction.
public struct ActivitySnapshot: Sendable {
    public struct Session: Sendable {
        public enum State: Sendable { case running, queued, idleInTransaction }

        public var state: State
        /// Who runs the query: its annotation, the session's application name and database user.
        public var attribution: Attribution
        /// The warehouse's queue (Redshift WLM); empty where there is none.
        public var queue: String
        /// Seconds since the query (or, idle in a transaction, the transaction) started.
        public var age: Double
        /// The apps of the sessions holding the locks this one waits for.
        public var blockerApps: [String]

        public init(
            state: State, attribution: Attribution, queue: String = "",
            age: Double, blockerApps: [String] = []
        ) {
            self.state = state
            self.attribution = attribution
            self.queue = queue
            self.age = age
            self.blockerApps = blockerApps
        }
    }

    public var warehouse: String
    public var sessions: [Session]

    public init(warehouse: String, sessions: [Session]) {
        self.warehouse = warehouse
        self.sessions = sessions
    }
}
