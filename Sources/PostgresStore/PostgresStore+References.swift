import Foundation
import PostgresNIO
import Store

extension PostgresStore {
    /// As `SQLiteStore.tasks(endingWith:…)`: a bounded walk of the newest `window` tasks (of
    /// all networks, through `task_created`), never the whole history. `right(id, n)` compares
    /// like SQLite's `substr(id, -n)` (a shorter id is whole, so it never equals the suffix).
    public func tasks(endingWith suffix: String, network: String, window: Int, limit: Int) async throws -> [TaskRecord] {
        guard !suffix.isEmpty else { return [] }
        let length = Int32(suffix.count) // as SQLite is given it (`-suffix.count`)
        return try Self.decodeTasks(try await query("""
            SELECT id, body FROM (SELECT id, network, created_at, body FROM task ORDER BY created_at DESC, id DESC LIMIT \(Self.rowLimit(window))) AS newest
            WHERE network = \(network) AND right(id, \(length)) = \(suffix) ORDER BY created_at DESC, id DESC LIMIT \(Self.rowLimit(limit))
            """))
    }
}
