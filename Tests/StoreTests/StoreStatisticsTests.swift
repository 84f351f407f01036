import Foundation
import GRDB
import Testing
@testable import Store

/// The day window `!stats` reads: tasks submitted or ended in `[start, end)`.
@Suite struct StoreStatisticsTests {
    @Test(arguments: StoreKind.all)
    func tasksCreatedOrFinishedInTheWindowHalfOpen(_ kind: StoreKind) async throws {
        try await kind.withStore { store in try await Self.window(store) }
    }

    static func window(_ store: any BotStore) async throws {
        func finished(_ id: String, at offset: TimeInterval, endedAt end: TimeInterval) -> TaskRecord {
            var task = makeTask(id, at: offset, status: "SUCCESS", rank: 5, terminal: true)
            task.finishedAt = t0.addingTimeInterval(end)
            return task
        }
        try await store.insert(makeTask("before", at: -10))
        try await store.insert(makeTask("at-start", at: 0))
        try await store.insert(finished("ended-inside", at: -500, endedAt: 50))
        try await store.insert(finished("ended-at-end", at: -500, endedAt: 100))
        try await store.insert(makeTask("inside", at: 99.999))
        try await store.insert(makeTask("at-end", at: 100))
        let found = try await store.tasks(createdOrFinishedFrom: t0, to: t0.addingTimeInterval(100))
        #expect(found.map(\.id) == ["ended-inside", "at-start", "inside"])
    }

    @Test func theWindowIsServedByIndexes() async throws {
        let dir = try TemporaryDirectory()
        _ = try SQLiteStore.open(path: dir.databasePath)
        let queue = try DatabaseQueue(path: dir.databasePath)
        let indexes = try await queue.read { db in try db.indexes(on: "task").map(\.name) }
        #expect(indexes.contains("task_created") && indexes.contains("task_finished"), "\(indexes)")
        let plan = try await queue.read { db in
            try Row.fetchAll(db, sql: """
                EXPLAIN QUERY PLAN SELECT * FROM task
                WHERE (createdAt >= ? AND createdAt < ?) OR (finishedAt >= ? AND finishedAt < ?)
                """, arguments: [t0, t0, t0, t0])
        }
        let details = plan.map { $0["detail"] as String? ?? "" }.joined(separator: " | ")
        #expect(details.contains("task_created") && details.contains("task_finished"), "\(details)")
    }
}
