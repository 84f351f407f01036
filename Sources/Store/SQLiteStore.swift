import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bot's memory: tasks with their routes, the outbox of lines owed to people, and a few
/// settings. SQLite through GRDB; a file in WAL mode in production, `:memory:` in unit tests.
public final class SQLiteStore: Sendable {
    let writer: any DatabaseWriter

    /// How many of a conversation's newest tasks short references are unique among.
    public static let recentWindow = StoreConventions.recentWindow

    /// Migrates `writer` to this version's schema (every store, and `copyOfFile(at:)`'s copy).
    init(writer: any DatabaseWriter) throws {
        self.writer = writer
        try StoreMigrations.migrator.migrate(writer)
    }

    /// Opens (creating if needed) the database file at `path` in WAL mode and migrates it.
    /// A new file is created mode 0600 (it holds prompts, routes and the callback secret);
    /// SQLite gives the `-wal` and `-shm` files the main file's mode.
    /// - Parameter statementObserver: sees the SQL (with `?` placeholders) of every statement
    ///   any connection runs; for tests that prove queries use indexes and count per-item work.
    public static func open(path: String, statementObserver: (@Sendable (String) -> Void)? = nil) throws -> SQLiteStore {
        createPrivately(path)
        do {
            var configuration = Configuration()
            configuration.busyMode = .timeout(5)
            if let statementObserver {
                configuration.prepareDatabase { db in
                    db.trace { event in
                        if case .statement(let statement) = event { statementObserver(statement.sql) }
                    }
                }
            }
            let pool = try DatabasePool(path: path, configuration: configuration)
            // GRDB sets NORMAL when it enables WAL, after `prepareDatabase`; NORMAL can lose the
            // last commits (a result marked sent, a task recorded) on power loss. The write rate
            // is tiny, so every commit is synced. Per connection: only the writer writes.
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            return try SQLiteStore(writer: pool)
        } catch {
            throw StoreError.cannotOpen(path: path, reason: "\(error)")
        }
    }

    /// Creates an empty file readable by the owner only, unless something is there already.
    /// Not umask (process-wide, and other threads create files too); failures are left for
    /// SQLite to report with its own words when it opens the path.
    private static func createPrivately(_ path: String) {
        #if canImport(Glibc)
        let descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        #else
        let descriptor = Darwin.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        #endif
        if descriptor >= 0 { close(descriptor) }
    }

    /// A private in-memory database, for tests.
    public static func inMemory() throws -> SQLiteStore {
        try SQLiteStore(writer: DatabaseQueue())
    }

    /// The journal mode in use (`wal` for files).
    public func journalMode() async throws -> String {
        try await writer.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }

    /// The writer connection's `PRAGMA synchronous` (2 = FULL for files).
    public func synchronousMode() async throws -> Int {
        try await writer.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    // MARK: Tasks

    /// Stores a new task together with the lines its creation owes (e.g. the acknowledgement),
    /// in one transaction. Inserting an id that exists replaces nothing and throws.
    public func insert(_ task: TaskRecord, lines: [OutboxLine]) async throws {
        try await writer.write { db in
            try task.insert(db)
            try Self.insert(lines, db)
        }
    }

    /// Queues lines; a line about a task supersedes that task's progress lines still unsent
    /// (they are marked sent without being said).
    static func insert(_ lines: [OutboxLine], _ db: Database) throws {
        for var line in lines {
            if let taskId = line.taskId {
                try db.execute(sql: "UPDATE outbox SET sentAt = ? WHERE taskId = ? AND isProgress AND sentAt IS NULL",
                               arguments: [line.createdAt, taskId])
            }
            try line.insert(db)
        }
    }

    /// Stores many tasks in one transaction (one commit, one sync), e.g. to load a large
    /// backlog in tests.
    public func insertAll(_ tasks: [TaskRecord]) async throws {
        try await writer.write { db in
            for task in tasks { try task.insert(db) }
        }
    }

    public func task(id: String) async throws -> TaskRecord? {
        try await writer.read { db in try TaskRecord.fetchOne(db, key: id) }
    }

    /// Reads a task, lets `body` change it and queue lines, and writes both in one
    /// transaction, so a state change and the lines announcing it commit together or not at
    /// all. Returns nil when there is no such task.
    public func update<T: Sendable>(
        taskId: String,
        _ body: @escaping @Sendable (inout TaskRecord, inout [OutboxLine]) -> T
    ) async throws -> T? {
        try await writer.write { db in
            guard var task = try TaskRecord.fetchOne(db, key: taskId) else { return nil }
            let before = task
            var lines: [OutboxLine] = []
            let result = body(&task, &lines)
            if task != before { try task.update(db) }
            try Self.insert(lines, db)
            return result
        }
    }

    /// Like `update(taskId:_:)`, and `body` also gets the task's short reference as a function
    /// that reads the conversation's recent ids only when called (once, inside the same
    /// transaction): a report that changes nothing or says nothing costs no history read.
    public func updateTask<T: Sendable>(
        id taskId: String,
        _ body: @escaping @Sendable (inout TaskRecord, inout [OutboxLine], _ reference: () -> String) -> T
    ) async throws -> T? {
        try await writer.write { db in
            try Self.updateTask(db, id: taskId, body)
        }
    }

    /// `updateTask(id:_:)` for many tasks in one transaction (one commit, one sync for a whole
    /// poll batch). `body` gets the position in `ids` (an id may repeat; each sees the previous
    /// change); the result is nil at the positions of ids the store does not have.
    public func updateTasks<T: Sendable>(
        ids: [String],
        _ body: @escaping @Sendable (Int, inout TaskRecord, inout [OutboxLine], _ reference: () -> String) -> T
    ) async throws -> [T?] {
        guard !ids.isEmpty else { return [] }
        return try await writer.write { db in
            // One read of the batch's rows through the primary key, not one statement per id:
            // with 10,000 pending tasks, preparing a statement per task was a third of a poll
            // cycle's CPU (mjbridge-bench tracking, perf). A repeated id sees the previous change.
            var current = Dictionary(try TaskRecord.fetchAll(db, keys: Array(Set(ids))).map { ($0.id, $0) },
                                     uniquingKeysWith: { first, _ in first })
            return try ids.enumerated().map { position, id in
                guard let record = current[id] else { return nil }
                let (result, after) = try Self.updateTask(db, record) { task, lines, reference in body(position, &task, &lines, reference) }
                current[id] = after
                return result
            }
        }
    }

    private static func updateTask<T>(
        _ db: Database, id taskId: String,
        _ body: (inout TaskRecord, inout [OutboxLine], _ reference: () -> String) -> T
    ) throws -> T? {
        guard let task = try TaskRecord.fetchOne(db, key: taskId) else { return nil }
        return try updateTask(db, task, body).result
    }

    /// Applies `body` to `task` as read in this transaction and writes what changed; returns
    /// the body's result and the task as it now is.
    private static func updateTask<T>(
        _ db: Database, _ read: TaskRecord,
        _ body: (inout TaskRecord, inout [OutboxLine], _ reference: () -> String) -> T
    ) throws -> (result: T, task: TaskRecord) {
        var task = read
        let before = task
        var lines: [OutboxLine] = []
        var cached: String?
        var failure: (any Error)?
        let reference = { () -> String in
            if let cached { return cached }
            let made: String
            do {
                made = try Self.shortReference(db, id: before.id, scopeKey: before.scopeKey)
            } catch {
                failure = error
                made = String(before.id.suffix(ShortReference.minimumLength))
            }
            cached = made
            return made
        }
        let result = body(&task, &lines, reference)
        if let failure { throw failure }
        if task != before { try task.update(db) }
        try Self.insert(lines, db)
        return (result, task)
    }

    /// The stored tasks among `ids`, by id (one query through the primary key).
    public func tasks(ids: [String]) async throws -> [String: TaskRecord] {
        try await writer.read { db in
            Dictionary(try TaskRecord.fetchAll(db, keys: ids).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        }
    }

    /// Tasks still expected to change, oldest first: what polling follows, also after a restart.
    public func pendingTasks() async throws -> [TaskRecord] {
        try await writer.read { db in
            try TaskRecord.filter(Column("isTerminal") == false).order(Column("createdAt"), Column("id")).fetchAll(db)
        }
    }

    /// The newest tasks of a conversation (channel, or private conversation with one nick).
    public func recentTasks(scopeKey: String, limit: Int) async throws -> [TaskRecord] {
        try await writer.read { db in
            try Self.recent(db, scopeKey: scopeKey, limit: limit)
        }
    }

    /// The caller's newest tasks in the conversation of `route`, newest first. The caller is
    /// recognised by services account when both sides have one, else by nick.
    public func tasks(of caller: TaskRoute, limit: Int) async throws -> [TaskRecord] {
        try await writer.read { db in
            var request = TaskRecord.filter(Column("scopeKey") == caller.scopeKey)
            if let account = caller.account {
                request = request.filter(Column("nickKey") == caller.nickKey || Column("account") == account)
            } else {
                request = request.filter(Column("nickKey") == caller.nickKey)
            }
            return try request.order(Column("createdAt").desc, Column("id").desc).limit(limit).fetchAll(db)
        }
    }

    /// The caller's newest task in this conversation that satisfies `predicate` (e.g. "is
    /// finished and offers a U2 button"), looking at most `searchLimit` tasks back.
    public func mostRecentTask(of caller: TaskRoute, searchLimit: Int,
                               where predicate: @escaping @Sendable (TaskRecord) -> Bool) async throws -> TaskRecord? {
        try await tasks(of: caller, limit: searchLimit).first(where: predicate)
    }

    /// The short reference the bot shows for a task (see `ShortReference`).
    public func shortReference(for task: TaskRecord) async throws -> String {
        try await writer.read { db in try Self.shortReference(db, id: task.id, scopeKey: task.scopeKey) }
    }

    /// Reads only the ids of the conversation's newest tasks (a covering index), not their rows.
    private static func shortReference(_ db: Database, id: String, scopeKey: String) throws -> String {
        let others = try String.fetchAll(db, sql: """
            SELECT id FROM task WHERE scopeKey = ? ORDER BY createdAt DESC, id DESC LIMIT ?
            """, arguments: [scopeKey, SQLiteStore.recentWindow])
        return ShortReference.make(for: id, among: others)
    }

    /// Resolves what a user typed as a task reference: a full proxy id on the same network,
    /// or a suffix of the id of one of the conversation's recent tasks.
    public func resolveReference(_ reference: String, scopeKey: String, network: String) async throws -> TaskReferenceResolution {
        try await writer.read { db in
            if let exact = try TaskRecord.fetchOne(db, key: reference), exact.network == network {
                return .found(exact)
            }
            let matches = try Self.recent(db, scopeKey: scopeKey, limit: SQLiteStore.recentWindow)
                .filter { $0.id.hasSuffix(reference) }
            switch matches.count {
            case 0: return .notFound
            case 1: return .found(matches[0])
            default: return .ambiguous(matches)
            }
        }
    }

    private static func recent(_ db: Database, scopeKey: String, limit: Int) throws -> [TaskRecord] {
        try TaskRecord.filter(Column("scopeKey") == scopeKey)
            .order(Column("createdAt").desc, Column("id").desc)
            .limit(limit)
            .fetchAll(db)
    }

    // MARK: Outbox

    /// Queues lines not tied to a task state change.
    public func enqueue(_ lines: [OutboxLine]) async throws {
        guard !lines.isEmpty else { return }
        try await writer.write { db in
            try Self.insert(lines, db)
        }
    }

    /// Every line still owed (not confirmed, not dead-lettered), in the order they were queued.
    public func unsentLines() async throws -> [OutboxLine] {
        try await writer.read { db in
            try OutboxLine.filter(Column("sentAt") == nil && Column("deadLetteredAt") == nil).order(Column("id")).fetchAll(db)
        }
    }

    /// Records that the transport took the line. Returns false if it was already marked, so a
    /// second deliverer racing the first can tell.
    @discardableResult
    public func markSent(lineId: Int64, at date: Date) async throws -> Bool {
        try await writer.write { db in
            try db.execute(sql: "UPDATE outbox SET sentAt = ? WHERE id = ? AND sentAt IS NULL",
                           arguments: [date, lineId])
            return db.changesCount == 1
        }
    }

    /// All lines queued for one task, in order (for tests and diagnostics).
    public func lines(forTask taskId: String) async throws -> [OutboxLine] {
        try await writer.read { db in
            try OutboxLine.filter(Column("taskId") == taskId).order(Column("id")).fetchAll(db)
        }
    }

    /// Drops sent lines older than `date`, keeping the table small.
    public func pruneSentLines(before date: Date) async throws {
        try await writer.write { db in
            _ = try OutboxLine.filter(Column("sentAt") != nil && Column("sentAt") < date).deleteAll(db)
        }
    }

    /// Deletes tasks that finished before `date`, with their outbox lines (sent or not: a line
    /// about a task that old is not worth saying any more). Pending tasks are never touched.
    /// Returns how many tasks went.
    @discardableResult
    public func pruneFinishedTasks(before date: Date) async throws -> Int {
        try await writer.write { db in
            // A task whose lines are still owed (its network down for longer than the retention)
            // stays until they are sent or dead-lettered: pruning must never lose a result.
            let prunable = """
                isTerminal AND finishedAt IS NOT NULL AND finishedAt < ?
                AND NOT EXISTS (SELECT 1 FROM outbox AS owed
                                WHERE owed.taskId = task.id AND owed.sentAt IS NULL AND owed.deadLetteredAt IS NULL)
                """
            try db.execute(sql: "DELETE FROM outbox WHERE taskId IN (SELECT id FROM task WHERE \(prunable))",
                           arguments: [date])
            try db.execute(sql: "DELETE FROM task WHERE \(prunable)", arguments: [date])
            return db.changesCount
        }
    }

    // MARK: Channels

    /// Every channel setting the owners changed from chat.
    public func channelSettings() async throws -> [ChannelSetting] {
        try await writer.read { db in
            try ChannelSetting.order(Column("network"), Column("channelKey")).fetchAll(db)
        }
    }

    /// Reads the setting of one channel (a blank one if there is none), lets `body` change
    /// it, and writes it back; returns the stored value.
    @discardableResult
    public func updateChannelSetting(network: String, channel: String, at date: Date,
                                     _ body: @escaping @Sendable (inout ChannelSetting) -> Void) async throws -> ChannelSetting {
        try await writer.write { db in
            let key = TaskRoute.fold(channel)
            var setting = try ChannelSetting.fetchOne(db, key: ["network": network, "channelKey": key])
                ?? ChannelSetting(network: network, channel: channel, updatedAt: date)
            body(&setting)
            setting.channel = channel
            setting.channelKey = key
            setting.updatedAt = date
            try setting.save(db)
            return setting
        }
    }

    // MARK: Settings

    public func metaValue(forKey key: String) async throws -> String? {
        try await writer.read { db in
            try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key])
        }
    }

    public func setMetaValue(_ value: String, forKey key: String) async throws {
        try await writer.write { db in
            try db.execute(sql: "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                           arguments: [key, value])
        }
    }

    /// Returns the stored value for `key`, first storing `make()` if there is none (e.g. the
    /// generated callback secret, stable across restarts).
    public func metaValue(forKey key: String, orInsert make: @escaping @Sendable () -> String) async throws -> String {
        try await writer.write { db in
            if let existing = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key]) {
                return existing
            }
            let value = make()
            try db.execute(sql: "INSERT INTO meta(key, value) VALUES(?, ?)", arguments: [key, value])
            return value
        }
    }
}
