import Foundation
import GRDB
import Testing
@testable import Store

/// Intents on a real SQLite file: written before the submit, closed with the task row in one
/// transaction, declared lost (and the user's line queued) exactly once, pruned when closed.
@Suite struct StoreIntentTests {
    static func intent(_ id: String, at offset: TimeInterval = 0, prompt: String = "a red fox") -> IntentRecord {
        IntentRecord(id: id, route: art, userKey: "acct:alice", kind: "imagine", prompt: prompt, createdAt: t0.addingTimeInterval(offset))
    }

    func intent(_ id: String, at offset: TimeInterval = 0, prompt: String = "a red fox") -> IntentRecord {
        Self.intent(id, at: offset, prompt: prompt)
    }

    @Test(arguments: StoreKind.all)
    func anIntentSurvivesReopeningAndIsClosedWithItsTaskInOneTransaction(_ kind: StoreKind) async throws {
        try await kind.withSharedStorage { open in try await Self.closedWithItsTask(open) }
    }

    static func closedWithItsTask(_ open: @Sendable () async throws -> any BotStore) async throws {
        do {
            let store = try await open()
            try await store.recordIntent(intent("in-1"))
            await #expect(throws: (any Error).self, "an id is recorded once") { try await store.recordIntent(intent("in-1")) }
        }
        let store = try await open()
        #expect(try await store.intent(id: "in-1") == intent("in-1"))
        #expect(try await store.intent(id: "none") == nil)
        let open = try await store.openIntents(createdUpTo: t0.addingTimeInterval(1))
        #expect(open.map(\.id) == ["in-1"])
        #expect(open[0].route == art && open[0].userKey == "acct:alice" && open[0].state == .open)

        // A task id that exists already: the insert throws and the intent stays open (same transaction).
        try await store.insert(makeTask("1001"))
        await #expect(throws: (any Error).self) {
            try await store.insert(makeTask("1001"), lines: [line("ack", task: "1001")], acceptingIntent: "in-1", at: t0)
        }
        #expect(try await store.intent(id: "in-1")?.state == .open)
        #expect(try await store.lines(forTask: "1001").isEmpty)

        try await store.insert(makeTask("1002"), lines: [line("ack", task: "1002")], acceptingIntent: "in-1", at: t0)
        try await store.acceptIntent(id: "in-1", taskId: "1003", at: t0.addingTimeInterval(5))
        try await store.acceptIntent(id: "in-1", taskId: "1002", at: t0.addingTimeInterval(9))
        let closed = try #require(try await store.intent(id: "in-1"))
        #expect(closed.state == .accepted && closed.acceptedTaskIds == ["1002", "1003"] && closed.closedAt == t0)
        #expect(try await store.openIntents(createdUpTo: t0.addingTimeInterval(3600)).isEmpty)
        #expect(try await store.lines(forTask: "1002").count == 1)
        try await store.acceptIntent(id: "unknown", taskId: "1002", at: t0)
        try await store.insert(makeTask("1004"), lines: [], acceptingIntent: nil, at: t0)
        #expect(try await store.task(id: "1004") != nil)
    }

    @Test(arguments: StoreKind.all)
    func aLostIntentIsDeclaredAndItsLineQueuedOnce(_ kind: StoreKind) async throws {
        try await kind.withSharedStorage { open in try await Self.lostOnce(open) }
    }

    static func lostOnce(_ open: @Sendable () async throws -> any BotStore) async throws {
        let store = try await open()
        try await store.recordIntent(intent("in-2"))
        let said = line("alice: I lost track of your imagine")
        #expect(try await store.declareIntentLost(id: "in-2", at: t0.addingTimeInterval(300), lines: [said]))
        #expect(try await !store.declareIntentLost(id: "in-2", at: t0.addingTimeInterval(400), lines: [said]))
        let reopened = try await open()
        #expect(try await !reopened.declareIntentLost(id: "in-2", at: t0.addingTimeInterval(500), lines: [said]))
        #expect(try await reopened.unsentLines().map(\.text) == [said.text])
        #expect(try await reopened.intent(id: "in-2")?.state == .lost)
        // A job declared lost that turns up after all (a late callback) is accepted.
        try await reopened.insert(makeTask("2001"), lines: [], acceptingIntent: "in-2", at: t0.addingTimeInterval(600))
        let accepted = try #require(try await reopened.intent(id: "in-2"))
        #expect(accepted.state == .accepted && accepted.closedAt == t0.addingTimeInterval(300), "closed when it was lost")
        #expect(accepted.acceptedTaskIds == ["2001"])
    }

    @Test(arguments: StoreKind.all)
    func refusingClosesOnlyAnOpenIntent(_ kind: StoreKind) async throws {
        try await kind.withStore { store in try await Self.refusing(store) }
    }

    static func refusing(_ store: any BotStore) async throws {
        try await store.recordIntent(intent("in-3"))
        #expect(try await store.refuseIntent(id: "in-3", at: t0))
        #expect(try await !store.refuseIntent(id: "in-3", at: t0))
        #expect(try await store.intent(id: "in-3")?.state == .refused)
        #expect(try await !store.declareIntentLost(id: "in-3", at: t0, lines: [line("no")]))
        #expect(try await store.unsentLines().isEmpty)
        #expect(try await !store.refuseIntent(id: "never", at: t0))
    }

    @Test(arguments: StoreKind.all)
    func openIntentsAreListedOldestFirstAndOnlyClosedOnesArePruned(_ kind: StoreKind) async throws {
        try await kind.withStore { store in try await Self.listedAndPruned(store) }
    }

    static func listedAndPruned(_ store: any BotStore) async throws {
        for (id, offset) in [("b", 20.0), ("a", 10.0), ("c", 30.0), ("d", 40.0)] { try await store.recordIntent(intent(id, at: offset)) }
        #expect(try await store.openIntents(createdUpTo: t0.addingTimeInterval(30)).map(\.id) == ["a", "b", "c"])  // inclusive: "c" was written at 30
        try await store.refuseIntent(id: "a", at: t0.addingTimeInterval(100))
        _ = try await store.declareIntentLost(id: "b", at: t0.addingTimeInterval(200), lines: [])
        #expect(try await store.pruneClosedIntents(before: t0.addingTimeInterval(150)) == 1)
        #expect(try await store.intent(id: "a") == nil)
        #expect(try await store.pruneClosedIntents(before: t0.addingTimeInterval(10_000)) == 1)
        #expect(try await store.openIntents(createdUpTo: t0.addingTimeInterval(1000)).map(\.id) == ["c", "d"])
    }

    /// A database from before intents (migrated up to v7) gains the table and its indexes,
    /// keeping its tasks.
    @Test func migrationV9AddsTheIntentTableToAnExistingDatabase() async throws {
        let dir = try TemporaryDirectory()
        do {
            let queue = try DatabaseQueue(path: dir.databasePath)
            try StoreMigrations.migrator.migrate(queue, upTo: "v7-scaling")
            try await queue.write { db in
                // The record as of today, less the columns later migrations added (v12: replyTo).
                var values = try makeTask("3001").databaseDictionary
                values["replyTo"] = nil
                let columns = values.keys.sorted()
                try db.execute(sql: "INSERT INTO task (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))",
                               arguments: StatementArguments(columns.map { values[$0]! }))
            }
        }
        let store = try SQLiteStore.open(path: dir.databasePath)
        #expect(try await store.task(id: "3001") != nil)
        try await store.recordIntent(intent("in-9"))
        #expect(try await store.intent(id: "in-9")?.state == .open)
        let (applied, indexes) = try await DatabaseQueue(path: dir.databasePath).read { db in
            (try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations"),
             try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'intent'"))
        }
        let v9 = try #require(applied.firstIndex(of: "v9-intents"), "\(applied)")
        #expect(v9 > (try #require(applied.firstIndex(of: "v7-scaling"))))
        #expect(Set(indexes).isSuperset(of: ["intent_state_created", "intent_closed"]), "\(indexes)")
    }

    @Test func aLongPromptIsCut() {
        let long = String(repeating: "fox ", count: 200)
        #expect(intent("x", prompt: long).prompt.count == IntentRecord.promptLimit)
    }
}
