import Foundation
import PostgresNIO
import Store

extension PostgresStore {
    /// Tasks created or finished in `[start, end)`, oldest first (`!stats`); two index ranges
    /// (`task_created`, `task_finished`).
    public func tasks(createdOrFinishedFrom start: Date, to end: Date) async throws -> [TaskRecord] {
        try Self.decodeTasks(try await query("""
            SELECT id, body FROM task
            WHERE (created_at >= \(start) AND created_at < \(end)) OR (finished_at >= \(start) AND finished_at < \(end))
            ORDER BY created_at, id
            """))
    }
}
