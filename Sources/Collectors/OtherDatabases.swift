import WarehouseClient

/// The databases a tables collector reads besides the DSN's. PostgreSQL's `pg_stat_user_tables`
/// and Redshift's `SVV_TABLE_INFO` show the connected database's tables only, so each other
/// database is read on a connection of its own, made with the warehouse's settings.
struct OtherDatabases: Sendable {
    /// The configured names; `*` stands for every database ``listSQL`` returns.
    let names: [String]
    /// Returns `name`: the databases one may connect to.
    let listSQL: String

    /// One database's read.
    struct Read<Result: Sendable>: Sendable {
        /// The database's name; "" for the DSN's when no other is configured.
        var database: String
        var result: Result
    }

    /// Reads the DSN's database on the collector's connection, then each other one. A database
    /// that cannot be read is a failure of its own: the others are read all the same.
    func read<Result: Sendable>(
        _ context: CollectionContext, _ read: (Connection) async throws -> Result
    ) async throws -> (reads: [Read<Result>], failures: [String]) {
        // The DSN's database is named only where other databases are read beside it.
        let current = names.isEmpty ? "" : try await context.query("SELECT current_database() AS name").rows.first?.string("name") ?? ""
        var reads = [Read(database: current, result: try await read(context.connection))]
        var failures: [String] = []
        for database in try await others(than: current, context) {
            do {
                guard var settings = context.settings else { break }
                settings.database = database
                let connection = try await Connection.connect(settings)
                defer { connection.close() }
                reads.append(Read(database: database, result: try await read(connection)))
            } catch {
                failures.append("database \(database): \(error)")
            }
        }
        return (reads, failures)
    }

    private func others(than current: String, _ context: CollectionContext) async throws -> [String] {
        guard !names.isEmpty else { return [] }
        var names = names
        if names.contains("*") {
            names = try await context.query(listSQL).rows.map { try $0.string("name") }
        }
        return names.filter { $0 != current }
    }
}
