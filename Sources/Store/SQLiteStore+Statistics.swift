import Foundation
import GRDB

extension SQLiteStore {
    /// Tasks created or finished in `[start, end)`, oldest first: what `!stats` counts for one
    /// day. The `createdAt` and `finishedAt` indexes (migration "v6-stats") keep this a range
    /// scan, not a walk over the whole history.
    public func tasks(createdOrFinishedFrom start: Date, to end: Date) async throws -> [TaskRecord] {
        try await writer.read { db in
            let created = Column("createdAt") >= start && Column("createdAt") < end
            let finished = Column("finishedAt") >= start && Column("finishedAt") < end
            return try TaskRecord.filter(created || finished).order(Column("createdAt"), Column("id")).fetchAll(db)
        }
    }
}
