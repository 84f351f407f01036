import Foundation
import GRDB
import Testing
@testable import Store

/// Collects the SQL a store runs (from any of its connections).
final class StatementLog: @unchecked Sendable {
    private let lock = NSLock()
    private var statements: [String] = []
    func append(_ sql: String) { lock.withLock { statements.append(sql) } }
    func take() -> [String] { lock.withLock { defer { statements = [] }; return statements } }
}

/// `EXPLAIN QUERY PLAN` of each data statement against the file; returns the statements whose
/// plan reads a whole `task` or `outbox` table (`SCAN task`, also via an index).
func statementsScanningHistory(_ statements: [String], databasePath: String) throws -> [String] {
    let queue = try DatabaseQueue(path: databasePath)
    return try queue.read { db in
        try Set(statements).filter { sql in
            let verb = sql.prefix(6).uppercased()
            guard ["SELECT", "UPDATE", "DELETE"].contains(verb) else { return false }
            let parameters = sql.filter { $0 == "?" }.count
            let plan = try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql,
                                        arguments: StatementArguments([DatabaseValue?](repeating: nil, count: parameters)))
            return plan.contains { row in
                let detail: String = row["detail"]
                return detail.hasPrefix("SCAN task") || detail.hasPrefix("SCAN outbox")
            }
        }.sorted()
    }
}

@Suite struct StoreScalingTests {
    @Test func fileDatabaseSyncsEveryCommitFully() async throws {
        let dir = try TemporaryDirectory()
        let store = try SQLiteStore.open(path: dir.databasePath)
        #expect(try await store.journalMode() == "wal")
        #expect(try await store.synchronousMode() == 2, "PRAGMA synchronous = FULL")
    }

    @Test func migrationV7AddsTheIndexes() async throws {
        let dir = try TemporaryDirectory()
        _ = try SQLiteStore.open(path: dir.databasePath)
        let names = try await DatabaseQueue(path: dir.databasePath).read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'")
        }
        for index in ["outbox_task", "task_scope_created", "task_scope_nick", "task_scope_account", "task_pending"] {
            #expect(names.contains(index), "\(index) in \(names)")
        }
        let applied = try await DatabaseQueue(path: dir.databasePath).read { db in
            try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
        }
        // Later migrations (v8-delivery, v9-intents) come after it.
        #expect(applied.contains("v7-scaling"))
    }

    @Test(arguments: StoreKind.all)
    func retentionPrunesOldFinishedTasksWithTheirLinesAndNeverPendingOnesOrOwedLines(_ kind: StoreKind) async throws {
        try await kind.withStore { store in try await Self.retention(store) }
    }

    static func retention(_ store: any BotStore) async throws {
        var old = makeTask("1000000000000001", at: 0, status: "SUCCESS", rank: 9, terminal: true)
        old.finishedAt = t0
        var recent = makeTask("1000000000000002", at: 0, status: "FAILURE", rank: 9, terminal: true)
        recent.finishedAt = t0.addingTimeInterval(40 * 86400)
        let pendingOld = makeTask("1000000000000003", at: -86400)
        try await store.insert(old, lines: [line("old result", task: old.id)])
        try await store.insert(recent, lines: [line("recent result", task: recent.id)])
        try await store.insert(pendingOld, lines: [line("ack", task: pendingOld.id)])

        // Its result is still owed (the network was down all along): kept, never lost.
        #expect(try await store.pruneFinishedTasks(before: t0.addingTimeInterval(30 * 86400)) == 0)
        #expect(try await store.lines(forTask: old.id).count == 1)
        _ = try await store.markSent(lineId: try #require(try await store.lines(forTask: old.id).first?.id), at: t0)

        let pruned = try await store.pruneFinishedTasks(before: t0.addingTimeInterval(30 * 86400))
        #expect(pruned == 1)
        #expect(try await store.task(id: old.id) == nil)
        #expect(try await store.lines(forTask: old.id).isEmpty)
        #expect(try await store.task(id: recent.id) != nil)
        #expect(try await store.lines(forTask: recent.id).count == 1)
        #expect(try await store.task(id: pendingOld.id) != nil, "pending tasks are never pruned")
        #expect(try await store.lines(forTask: pendingOld.id).count == 1)
    }

    /// Every query the store makes for tracking, commands, limits and clean-up finds its rows
    /// through an index on a database with history (no `SCAN task` / `SCAN outbox`).
    @Test func everyQueryUsesAnIndex() async throws {
        let dir = try TemporaryDirectory()
        let log = StatementLog()
        let store = try SQLiteStore.open(path: dir.databasePath, statementObserver: { log.append($0) })
        var history: [TaskRecord] = []
        for i in 0..<2000 {
            var task = makeTask(String(1_748_339_000_000_000 + i), at: Double(i), status: "SUCCESS", rank: 9, terminal: i % 10 != 0)
            task.finishedAt = task.isTerminal ? task.createdAt : nil
            task.userKey = "alice"
            history.append(task)
        }
        try await store.insertAll(history)
        _ = log.take()

        let id = history[1999].id
        let pendingId = history[1990].id
        _ = try await store.task(id: id)
        _ = try await store.pendingTasks()
        _ = try await store.recentTasks(scopeKey: art.scopeKey)
        _ = try await store.tasks(of: art, limit: 5)
        _ = try await store.tasks(of: TaskRoute(network: "net", channel: "#Art", nick: "Alice"), limit: 5)
        _ = try await store.shortReference(for: history[5])
        _ = try await store.resolveReference("0005", scopeKey: art.scopeKey, network: "net")
        _ = try await store.update(taskId: pendingId) { task, lines in
            task.progress = 50
            lines.append(line("progress", task: task.id))
        }
        _ = try await store.updateTask(id: pendingId) { task, lines, reference in
            lines.append(line("ref \(reference())", task: task.id))
        }
        _ = try await store.enqueue([line("hello")])
        let unsent = try await store.unsentLines()
        _ = try await store.markSent(lineId: try #require(unsent.first?.id), at: t0)
        _ = try await store.lines(forTask: pendingId)
        try await store.pruneSentLines(before: t0)
        _ = try await store.pruneFinishedTasks(before: t0)
        let statements = log.take()
        #expect(statements.count > 15, "the observer saw the queries: \(statements)")
        let scanning = try statementsScanningHistory(statements, databasePath: dir.databasePath)
        #expect(scanning.isEmpty, "queries reading a whole table:\n\(scanning.joined(separator: "\n"))")
    }
}
