import Foundation
import Logging
import PostgresNIO
import Store

/// Tasks, as `SQLiteStore` keeps them (see its documentation for each method). Read-modify-write
/// methods lock the task row (`SELECT … FOR UPDATE`) inside one transaction: another process
/// updating the same task waits for the commit and then sees this change, so none is lost.
extension PostgresStore {
    public func insert(_ task: TaskRecord, lines: [OutboxLine]) async throws {
        try await transaction { connection in
            try await Self.insertTasks([task], connection, logger: self.logger)
            try await Self.insertLines(lines, locked: [task.id], connection, logger: self.logger)
        }
    }

    public func insertAll(_ tasks: [TaskRecord]) async throws {
        guard !tasks.isEmpty else { return }
        try await transaction { connection in
            try await Self.insertTasks(tasks, connection, logger: self.logger)
        }
    }

    public func task(id: String) async throws -> TaskRecord? {
        try Self.decodeTasks(try await query("SELECT id, body FROM task WHERE id = \(id)")).first
    }

    public func tasks(ids: [String]) async throws -> [String: TaskRecord] {
        guard !ids.isEmpty else { return [:] }
        let found = try Self.decodeTasks(try await query("SELECT id, body FROM task WHERE id = ANY(\(ids))"))
        return Dictionary(found.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public func pendingTasks() async throws -> [TaskRecord] {
        try Self.decodeTasks(try await query("SELECT id, body FROM task WHERE NOT is_terminal ORDER BY created_at, id"))
    }

    public func recentTasks(scopeKey: String, limit: Int) async throws -> [TaskRecord] {
        try Self.decodeTasks(try await query(Self.recentQuery(scopeKey: scopeKey, limit: limit)))
    }

    static func recentQuery(scopeKey: String, limit: Int) -> PostgresQuery {
        "SELECT id, body FROM task WHERE scope_key = \(scopeKey) ORDER BY created_at DESC, id DESC LIMIT \(Self.rowLimit(limit))"
    }

    public func tasks(of caller: TaskRoute, limit: Int) async throws -> [TaskRecord] {
        let rows: [PostgresRow]
        if let account = caller.account {
            rows = try await query("""
                SELECT id, body FROM task WHERE scope_key = \(caller.scopeKey) AND (nick_key = \(caller.nickKey) OR account = \(account))
                ORDER BY created_at DESC, id DESC LIMIT \(Self.rowLimit(limit))
                """)
        } else {
            rows = try await query("""
                SELECT id, body FROM task WHERE scope_key = \(caller.scopeKey) AND nick_key = \(caller.nickKey)
                ORDER BY created_at DESC, id DESC LIMIT \(Self.rowLimit(limit))
                """)
        }
        return try Self.decodeTasks(rows)
    }

    public func mostRecentTask(of caller: TaskRoute, searchLimit: Int,
                               where predicate: @escaping @Sendable (TaskRecord) -> Bool) async throws -> TaskRecord? {
        try await tasks(of: caller, limit: searchLimit).first(where: predicate)
    }

    public func update<T: Sendable>(
        taskId: String,
        _ body: @escaping @Sendable (inout TaskRecord, inout [OutboxLine]) -> T
    ) async throws -> T? {
        try await updateTasks(ids: [taskId]) { _, task, lines, _ in body(&task, &lines) }.first ?? nil
    }

    public func updateTask<T: Sendable>(
        id taskId: String,
        _ body: @escaping @Sendable (inout TaskRecord, inout [OutboxLine], _ reference: () -> String) -> T
    ) async throws -> T? {
        try await updateTasks(ids: [taskId]) { _, task, lines, reference in body(&task, &lines, reference) }.first ?? nil
    }

    /// One transaction for the whole batch. Every task of the batch is locked first, in id
    /// order (two processes updating overlapping batches then never deadlock), and read in the
    /// same statement; then each position is applied in order, as SQLite does: its change
    /// written, its lines queued, and a repeated id sees the previous change.
    ///
    /// `reference` must be answered synchronously but needs a query: `body` runs first with a
    /// stand-in; only if it asked, the conversation's recent ids are read and `body` runs again
    /// on the untouched task (it is pure, as the protocol requires). So a report that changes
    /// nothing or says nothing still costs no history read.
    public func updateTasks<T: Sendable>(
        ids: [String],
        _ body: @escaping @Sendable (Int, inout TaskRecord, inout [OutboxLine], _ reference: () -> String) -> T
    ) async throws -> [T?] {
        guard !ids.isEmpty else { return [] }
        return try await transaction { connection in
            let logger = self.logger
            let locked = try Self.decodeTasks(try await connection.rows("""
                SELECT id, body FROM task WHERE id = ANY(\(Array(Set(ids)))) ORDER BY id FOR UPDATE
                """, logger: logger))
            var current = Dictionary(locked.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            var recentIds: [String: [String]] = [:]
            var results: [T?] = []
            for (position, id) in ids.enumerated() {
                guard let before = current[id] else {
                    results.append(nil)
                    continue
                }
                var task = before
                var lines: [OutboxLine] = []
                var asked = false
                var result = body(position, &task, &lines) {
                    asked = true
                    return String(before.id.suffix(ShortReference.minimumLength))
                }
                if asked {
                    let others: [String]
                    if let cached = recentIds[before.scopeKey] {
                        others = cached
                    } else {
                        others = try await Self.recentIds(scopeKey: before.scopeKey, connection, logger: logger)
                        recentIds[before.scopeKey] = others
                    }
                    let reference = ShortReference.make(for: before.id, among: others)
                    task = before
                    lines = []
                    result = body(position, &task, &lines) { reference }
                }
                if task != before {
                    try await Self.writeTask(task, connection, logger: logger)
                    current[id] = task
                    // The ids read for references are stale if a task moved (never done today).
                    if task.scopeKey != before.scopeKey || task.createdAt != before.createdAt || task.id != before.id {
                        recentIds = [:]
                    }
                }
                try await Self.insertLines(lines, locked: Set(current.keys), connection, logger: logger)
                results.append(result)
            }
            return results
        }
    }

    public func shortReference(for task: TaskRecord) async throws -> String {
        let others = try await query(Self.recentIdsQuery(scopeKey: task.scopeKey)).map { try $0.decode(String.self) }
        return ShortReference.make(for: task.id, among: others)
    }

    /// The ids of the conversation's newest tasks (an index-only read), which short references
    /// are unique among.
    static func recentIdsQuery(scopeKey: String) -> PostgresQuery {
        """
        SELECT id FROM task WHERE scope_key = \(scopeKey)
        ORDER BY created_at DESC, id DESC LIMIT \(StoreConventions.recentWindow)
        """
    }

    static func recentIds(scopeKey: String, _ connection: PostgresConnection, logger: Logger) async throws -> [String] {
        try await connection.rows(recentIdsQuery(scopeKey: scopeKey), logger: logger).map { try $0.decode(String.self) }
    }

    public func resolveReference(_ reference: String, scopeKey: String, network: String) async throws -> TaskReferenceResolution {
        try await snapshot { connection in
            let logger = self.logger
            if let exact = try Self.decodeTasks(try await connection.rows("SELECT id, body FROM task WHERE id = \(reference)",
                                                                          logger: logger)).first,
               exact.network == network {
                return .found(exact)
            }
            let matches = try Self.decodeTasks(try await connection.rows(
                Self.recentQuery(scopeKey: scopeKey, limit: StoreConventions.recentWindow), logger: logger))
                .filter { $0.id.hasSuffix(reference) }
            switch matches.count {
            case 0: return .notFound
            case 1: return .found(matches[0])
            default: return .ambiguous(matches)
            }
        }
    }

    /// Finished tasks older than `date` go with their lines, unless a line of theirs is still
    /// owed (never lose a result), as in SQLite.
    ///
    /// In batches of `batchSize` tasks, one transaction each, so a big backlog (after an outage
    /// or a `migrate-store`) never holds thousands of row locks at once and other processes'
    /// updates wait at most one batch.
    @discardableResult
    public func pruneFinishedTasks(before date: Date) async throws -> Int {
        try await pruneFinishedTasks(before: date, batchSize: 500)
    }

    func pruneFinishedTasks(before date: Date, batchSize: Int) async throws -> Int {
        var total = 0
        while true {
            let (deleted, candidates) = try await pruneBatch(before: date, batchSize: batchSize)
            total += deleted
            if candidates < batchSize { return total }
        }
    }

    /// One batch: (tasks deleted, candidates locked). The candidates are locked `FOR UPDATE
    /// SKIP LOCKED` in id order: a task locked by another process is being touched (a line
    /// queued, an update) and is left for the next run instead of waited for. Each candidate
    /// is checked again for owed lines in a new statement: a line queued by another process
    /// between this statement's snapshot and its lock was queued under that task's lock
    /// (`insertLines`), so once the lock is ours that line is committed and seen by the second
    /// check, and no new one can come until this commits. A candidate still owing leaves the
    /// next batch's candidates (their NOT EXISTS sees its line), so the loop ends.
    private func pruneBatch(before date: Date, batchSize: Int) async throws -> (Int, Int) {
        try await transaction { connection in
            let logger = self.logger
            let candidates = try await connection.rows("""
                SELECT id FROM task
                WHERE is_terminal AND finished_at IS NOT NULL AND finished_at < \(date)
                    AND NOT EXISTS (SELECT 1 FROM outbox AS owed WHERE owed.task_id = task.id
                                    AND owed.sent_at IS NULL AND owed.dead_lettered_at IS NULL)
                ORDER BY id LIMIT \(batchSize) FOR UPDATE SKIP LOCKED
                """, logger: logger).map { try $0.decode(String.self) }
            guard !candidates.isEmpty else { return (0, 0) }
            let stillOwed = Set(try await connection.rows("""
                SELECT DISTINCT task_id FROM outbox
                WHERE task_id = ANY(\(candidates)) AND sent_at IS NULL AND dead_lettered_at IS NULL
                """, logger: logger).map { try $0.decode(String.self) })
            let ids = candidates.filter { !stillOwed.contains($0) }
            guard !ids.isEmpty else { return (0, candidates.count) }
            try await connection.rows("DELETE FROM outbox WHERE task_id = ANY(\(ids))", logger: logger)
            let deleted = try await connection.rows("""
                WITH gone AS (DELETE FROM task WHERE id = ANY(\(ids)) RETURNING 1) SELECT count(*) FROM gone
                """, logger: logger).first?.decode(Int.self) ?? 0
            return (deleted, candidates.count)
        }
    }
}
