import Foundation
import Store
import Testing

/// Dates are kept to the millisecond on both stores (see `BotStore`): tasks created in the same
/// millisecond order by id, dates in one millisecond compare equal, and a record reads back with
/// its dates rounded to the millisecond, on SQLite and on PostgreSQL alike.
@Suite struct StoreDatePrecisionTests {
    /// t0 plus `microseconds` (0.1226 s to 0.1235 s round to 0.123 s).
    static func at(_ microseconds: Int) -> Date { t0.addingTimeInterval(Double(microseconds) / 1_000_000) }

    @Test(arguments: StoreKind.all)
    func tasksCreatedInOneMillisecondOrderById(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            // "2" is created first but has the larger id: by id it is newer.
            var earlier = makeTask("1748339029400002")
            earlier.createdAt = Self.at(123_100)
            var later = makeTask("1748339029400001")
            later.createdAt = Self.at(123_400)
            try await store.insert(earlier, lines: [])
            try await store.insert(later, lines: [])
            #expect(try await store.recentTasks(scopeKey: art.scopeKey, limit: 10).map(\.id)
                == ["1748339029400002", "1748339029400001"])
            #expect(try await store.tasks(of: art, limit: 10).map(\.id) == ["1748339029400002", "1748339029400001"])
        }
    }

    @Test(arguments: StoreKind.all)
    func datesWithinOneMillisecondCompareEqual(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            let intent = IntentRecord(id: "i1", route: art, kind: "imagine", prompt: "a red fox", createdAt: Self.at(123_400))
            try await store.recordIntent(intent)
            // Created "after" the bound by 0.2 ms: the same millisecond, so it is included.
            #expect(try await store.openIntents(createdUpTo: Self.at(123_200)).map(\.id) == ["i1"])
            #expect(try await store.openIntents(createdUpTo: Self.at(122_400)).isEmpty)
        }
    }

    @Test(arguments: StoreKind.all)
    func aRecordReadsBackWithItsDatesToTheMillisecond(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            var task = makeTask("1748339029401828")
            task.createdAt = Self.at(123_400)
            try await store.insert(task, lines: [line("ack", task: task.id)])
            let stored = try #require(try await store.task(id: task.id))
            let expected = Self.at(123_000).timeIntervalSince1970
            #expect(abs(stored.createdAt.timeIntervalSince1970 - expected) < 0.000_001, "\(stored.createdAt.timeIntervalSince1970)")
            let queued = try #require(try await store.lines(forTask: task.id).first)
            #expect(abs(queued.createdAt.timeIntervalSince1970 - t0.timeIntervalSince1970) < 0.000_001)
            // Written again unchanged: the same millisecond, not one below.
            _ = try await store.update(taskId: task.id) { task, _ in task.progress = 10 }
            let again = try #require(try await store.task(id: task.id))
            #expect(abs(again.createdAt.timeIntervalSince1970 - expected) < 0.000_001)
            #expect(try await store.recentTasks(scopeKey: art.scopeKey, limit: 1).first?.progress == 10)
        }
    }
}
