import Foundation
import Logging
import PostgresNIO
@testable import PostgresStore
import PostgresTestSupport
import Store
import Testing

/// What keeps one stuck or outdated process from harming the others on a shared PostgreSQL
/// (review of the PostgreSQL store): server-side timeouts, refusing a newer schema, errors that
/// say what the server said, retention in batches that skip locked tasks.
@Suite(.enabled(if: !PostgresTestServer.skipRequested, PostgresTestServer.skipReason))
struct PostgresStoreHardeningTests {
    static let logger = Logger(label: "test.pg")

    /// A fresh database and its configuration with `timeouts`.
    static func configuration(_ timeouts: PostgresStoreConfiguration.Timeouts = .init()) async throws -> PostgresStoreConfiguration {
        let database = try await PostgresTestServer.shared.freshDatabase()
        var configuration = try PostgresStoreConfiguration(url: database.url, password: database.password)
        configuration.maximumConnections = 2
        configuration.timeouts = timeouts
        return configuration
    }

    /// A session made as the store's pool makes them (same startup parameters): what a frozen
    /// or cut-off process leaves on the server.
    static func rawSession(_ configuration: PostgresStoreConfiguration) async throws -> PostgresConnection {
        try await PostgresConnection.connect(
            on: PostgresClient.defaultEventLoopGroup.any(),
            configuration: PostgresStore.connectionConfiguration(configuration, tls: .disable),
            id: 99, logger: logger).get()
    }

    /// `body`, or a failure after `seconds` (the body is not cancelled: it must end by itself,
    /// which the store's own lock_timeout guarantees in these tests).
    static func within<T: Sendable>(_ seconds: Int, _ what: String,
                                    _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: .seconds(seconds))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                throw PostgresStoreError.failed(reason: "test deadline: \(what) took over \(seconds) s", sqlState: nil)
            }
            return value
        }
    }

    /// A process freezes (or is cut off) inside a transaction holding a task's lock: the server
    /// ends that session after `idle_in_transaction_session_timeout`, and another process's
    /// update of the task goes through, long before its own lock_timeout.
    @Test func aTransactionLeftIdleByAFrozenProcessIsCutAndItsLockReleased() async throws {
        let configuration = try await Self.configuration(.init(idleInTransaction: .seconds(1), lock: .seconds(40),
                                                               statement: .seconds(60)))
        let store = try await PostgresStore.open(configuration, logger: Self.logger)
        defer { Task { await store.close() } }
        let id = "1748339029401828"
        try await store.insert(makeTask(id))
        let frozen = try await Self.rawSession(configuration)
        // Closed on every path (PostgresNIO asserts a connection is closed before it goes), but
        // not awaited: the client side of a session the server ended may not notice at once.
        defer { Task { try? await frozen.close() } }
        let frozenPid = try #require(try await frozen.query("SELECT pg_backend_pid()", logger: Self.logger)
            .collect().first?.decode(Int32.self))
        try await frozen.query("BEGIN", logger: Self.logger)
        try await frozen.query("SELECT id FROM task WHERE id = \(id) FOR UPDATE", logger: Self.logger)
        // … and nothing more from it.
        let updated = try await Self.within(20, "the update waiting for the frozen session's lock") {
            try await store.update(taskId: id) { task, _ in
                task.progress = 50
                return true
            }
        }
        #expect(updated == true)
        #expect(try await store.task(id: id)?.progress == 50)
        let sessions = try await store.query("SELECT count(*) FROM pg_stat_activity WHERE pid = \(frozenPid)")
        #expect(try sessions.first?.decode(Int.self) == 0, "the server ended the frozen session")
    }

    /// A lock held longer than `lock_timeout` by a live session: the waiting statement fails
    /// with a clear error (SQLSTATE 55P03), once: it is not retried.
    @Test func aLockHeldPastLockTimeoutIsAClearErrorAndNotRetried() async throws {
        let configuration = try await Self.configuration(.init(idleInTransaction: .seconds(60), lock: .milliseconds(500),
                                                               statement: .seconds(60)))
        let store = try await PostgresStore.open(configuration, logger: Self.logger)
        defer { Task { await store.close() } }
        let id = "1748339029401828"
        try await store.insert(makeTask(id))
        let holder = try await Self.rawSession(configuration)
        defer { Task { try? await holder.close() } }
        try await holder.query("BEGIN", logger: Self.logger)
        try await holder.query("SELECT id FROM task WHERE id = \(id) FOR UPDATE", logger: Self.logger)
        do {
            _ = try await Self.within(20, "the update waiting past lock_timeout") {
                try await store.update(taskId: id) { task, _ in task.progress = 1 }
            }
            Issue.record("the update went through a held lock")
        } catch let error as PostgresStoreError {
            guard case .failed(_, let sqlState) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(sqlState == "55P03")
            #expect("\(error)".contains("lock_timeout"), "\(error)")
        }
        #expect(store.retries == 0)
        try await holder.query("ROLLBACK", logger: Self.logger)
        #expect(try await store.update(taskId: id) { task, _ in task.progress = 2 } != nil)
    }

    /// Another binary migrated the database further (two names this one does not know, applied
    /// in one statement): the applied order is kept, and this binary refuses to open it.
    @Test func aDatabaseMigratedByANewerBinaryIsRefused() async throws {
        let configuration = try await Self.configuration()
        let store = try await PostgresStore.open(configuration, logger: Self.logger)
        try await store.query("INSERT INTO mjbridge_migrations (name) VALUES ('zz-later'), ('aa-latest')")
        #expect(try await PostgresMigrations.appliedNames(store) == PostgresMigrations.all.map(\.name) + ["zz-later", "aa-latest"])
        await store.close()
        do {
            let second = try await PostgresStore.open(configuration, logger: Self.logger)
            await second.close()
            Issue.record("opened a database migrated by a newer binary")
        } catch {
            #expect(error as? PostgresStoreError == .newerSchema(unknown: ["aa-latest", "zz-later"]))
            #expect("\(error)".contains("migrated by a newer mjbridge"), "\(error)")
        }
    }

    /// A migration the server refuses (here a table in the way) is reported as a failed
    /// migration with the server's reason, not as an unreachable database.
    @Test func aFailedMigrationIsNotReportedAsUnreachable() async throws {
        let configuration = try await Self.configuration()
        let session = try await Self.rawSession(configuration)
        defer { Task { try? await session.close() } }
        try await session.query("CREATE TABLE task (unrelated integer)", logger: Self.logger)
        do {
            let store = try await PostgresStore.open(configuration, logger: Self.logger)
            await store.close()
            Issue.record("migrated over a table in the way")
        } catch {
            let text = "\(error)"
            #expect(text.contains("could not be migrated") && text.contains("already exists"), "\(text)")
            #expect(!text.contains("cannot reach"), "\(text)")
        }
    }

    /// A statement the server refuses at run time: the error says what the server said, with
    /// its SQLSTATE, and carries none of the statement's values (a body with a secret here).
    @Test func runtimeErrorsCarryTheServersReasonAndNoValues() async throws {
        let configuration = try await Self.configuration()
        let store = try await PostgresStore.open(configuration, logger: Self.logger)
        defer { Task { await store.close() } }
        var task = makeTask("1748339029401828")
        task.prompt = "prompt-with-secret-4242"
        try await store.insert(task)
        do {
            try await store.insert(task)
            Issue.record("the same task was inserted twice")
        } catch {
            #expect(error as? PostgresStoreError == .failed(
                reason: "duplicate key value violates unique constraint \"task_pkey\"", sqlState: "23505"))
            for text in ["\(error)", String(reflecting: error)] {
                #expect(text.contains("duplicate key") && !text.contains("4242"), "\(text)")
            }
        }
    }

    /// Retention meets a task another process is queuing a line about (its lock held, the line
    /// not committed yet): the task is skipped, not waited for, and after that commit the line
    /// and its task are kept. Deterministic: the other transaction is held open by the test.
    @Test func retentionSkipsATaskBeingQueuedOnAndKeepsItsLine() async throws {
        let configuration = try await Self.configuration()
        let (a, b) = (try await PostgresStore.open(configuration, logger: Self.logger),
                      try await PostgresStore.open(configuration, logger: Self.logger))
        defer { Task { await a.close(); await b.close() } }
        let id = "1748339029401828"
        var task = makeTask(id, status: "SUCCESS", rank: 9, terminal: true)
        task.finishedAt = t0
        try await a.insert(task)
        let (locked, lockedSignal) = AsyncStream<Void>.makeStream()
        let (release, releaseSignal) = AsyncStream<Void>.makeStream()
        let queuing = Task {
            defer { lockedSignal.finish() } // never leave the test waiting if this fails
            try await b.transaction { connection in
                try await PostgresStore.insertLines([line("late result", task: id)], connection, logger: Self.logger)
                lockedSignal.finish()
                for await _ in release {}
            }
        }
        for await _ in locked {}
        let pruned = try await Self.within(15, "retention while another process holds the task") {
            try await a.pruneFinishedTasks(before: t0.addingTimeInterval(86400))
        }
        releaseSignal.finish()
        try await queuing.value
        #expect(pruned == 0)
        #expect(try await a.unsentLines().map(\.text) == ["late result"])
        #expect(try await a.pruneFinishedTasks(before: t0.addingTimeInterval(86400)) == 0)
        #expect(try await a.task(id: id) != nil)
    }

    /// Retention in batches: every finished task goes however many batches it takes, and a
    /// task that still owes a line stays.
    @Test func retentionWorksInBatches() async throws {
        let configuration = try await Self.configuration()
        let store = try await PostgresStore.open(configuration, logger: Self.logger)
        defer { Task { await store.close() } }
        let ids = (0..<8).map { String(1_748_339_000_000_000 + $0) }
        for (n, id) in ids.enumerated() {
            var task = makeTask(id, status: "SUCCESS", rank: 9, terminal: true)
            task.finishedAt = t0
            try await store.insert(task, lines: n == 4 ? [line("owed", task: id)] : [])
        }
        #expect(try await store.pruneFinishedTasks(before: t0.addingTimeInterval(1), batchSize: 3) == 7)
        #expect(try await store.tasks(ids: ids).keys.sorted() == [ids[4]])
    }

    /// Rows written before a record gained an optional field lack it: they still decode (the
    /// rule for record changes, see `RecordJSON`).
    @Test func aBodyMissingOptionalFieldsDecodes() async throws {
        let configuration = try await Self.configuration()
        let store = try await PostgresStore.open(configuration, logger: Self.logger)
        defer { Task { await store.close() } }
        let id = "1748339029401828"
        var task = makeTask(id)
        task.progress = 40
        task.imageUrl = "https://cdn.example/1.png"
        try await store.insert(task)
        var body = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(task)) as? [String: Any])
        for key in ["progress", "imageUrl"] {
            #expect(body.removeValue(forKey: key) != nil, "\(key) was written")
        }
        let older = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
        try await store.query("UPDATE task SET body = \(older) WHERE id = \(id)")
        let read = try #require(try await store.task(id: id))
        #expect(read.progress == nil && read.imageUrl == nil && read.id == id && read.prompt == task.prompt)
    }

    /// The hot reads (polling, delivery, references, `!tasks`) seek through their indexes on a
    /// table with history: no sequential scan of `task` or `outbox`. Measured on the real
    /// methods, through the server's scan counters of the pool's one session; a query known to
    /// scan shows the measure sees one.
    @Test func hotQueriesNeverScanTasksOrOutboxSequentially() async throws {
        var configuration = try await Self.configuration()
        configuration.maximumConnections = 1
        let store = try await PostgresStore.open(configuration, logger: Self.logger)
        defer { Task { await store.close() } }
        let other = TaskRoute(network: "net", channel: "#elsewhere", nick: "Bob", account: nil)
        var history: [TaskRecord] = []
        for n in 0..<3000 {
            var task = makeTask(String(1_748_000_000_000_000 + n), route: other, at: Double(n), status: "SUCCESS",
                                rank: 9, terminal: true)
            task.finishedAt = t0.addingTimeInterval(Double(n))
            history.append(task)
        }
        try await store.insertAll(history)
        for start in stride(from: 0, to: 3000, by: 500) {
            try await store.enqueue(history[start..<start + 500].map { line("done", task: $0.id) })
        }
        try await store.query("UPDATE outbox SET sent_at = created_at")
        for n in 0..<5 {
            let id = String(1_748_339_029_401_800 + n)
            try await store.insert(makeTask(id, at: 4000 + Double(n)), lines: [line("ack", task: id)])
        }
        try await store.query("ANALYZE task")
        try await store.query("ANALYZE outbox")
        let before = try await Self.sequentialScans(store)
        #expect(try await store.pendingTasks().count == 5)
        #expect(try await store.owedLines(network: "net").count == 5)
        #expect(try await store.networksOwingLines() == ["net"])
        #expect(try await store.recentTasks(scopeKey: art.scopeKey, limit: 10).count == 5)
        #expect(try await store.tasks(of: art, limit: 10).count == 5)
        #expect(try await store.tasks(endingWith: "1804", network: "net", window: 50, limit: 5).count == 1)
        #expect(try await store.outboxSummary(limit: 5).owed == 5)
        let after = try await Self.sequentialScans(store)
        #expect(after == before, "sequential scans (task, outbox): \(before) → \(after)")
        try await store.query("SELECT count(*) FROM task WHERE body LIKE '%never%'")
        let control = try await Self.sequentialScans(store)
        #expect(control.0 > after.0, "the measure sees a sequential scan of task")
    }

    /// (task, outbox) sequential scans so far, as the server counts them: the session's
    /// pending counts are flushed first (at the end of the statement that asks for it).
    static func sequentialScans(_ store: PostgresStore) async throws -> (Int, Int) {
        try await store.query("SELECT pg_stat_force_next_flush()")
        let rows = try await store.query("""
            SELECT (SELECT seq_scan FROM pg_stat_user_tables WHERE relname = 'task'),
                   (SELECT seq_scan FROM pg_stat_user_tables WHERE relname = 'outbox')
            """)
        return try rows[0].decode((Int, Int).self)
    }
}
