import Foundation
import GRDB

/// Intents: submissions written before the proxy is asked (see `IntentRecord`).
extension SQLiteStore {
    /// Writes a new open intent. Called before the submit: when this throws, nothing is sent.
    public func recordIntent(_ intent: IntentRecord) async throws {
        try await writer.write { db in try intent.insert(db) }
    }

    public func intent(id: String) async throws -> IntentRecord? {
        try await writer.read { db in try IntentRecord.fetchOne(db, key: id) }
    }

    /// Stores a task the proxy accepted, the lines its creation owes, and closes the intent it
    /// was submitted for as accepted — one transaction, so after a crash either the task exists
    /// or the intent is still open, never neither. `intentId` nil = plain `insert(_:lines:)`.
    /// Inserting an id that exists throws and changes nothing.
    public func insert(_ task: TaskRecord, lines: [OutboxLine], acceptingIntent intentId: String?, at date: Date) async throws {
        try await writer.write { db in
            try task.insert(db)
            try Self.insert(lines, db)
            if let intentId { try Self.accept(intentId: intentId, taskId: task.id, at: date, db) }
        }
    }

    /// Notes that `taskId` came of the intent (a task recorded by another path, e.g. adopted
    /// from a callback before the command got its answer). Idempotent; an unknown id is ignored.
    public func acceptIntent(id: String, taskId: String, at date: Date) async throws {
        try await writer.write { db in try Self.accept(intentId: id, taskId: taskId, at: date, db) }
    }

    /// Closes an open intent whose submit the proxy refused or never received. Returns false
    /// when it was not open (a task already came of it).
    @discardableResult
    public func refuseIntent(id: String, at date: Date) async throws -> Bool {
        try await writer.write { db in
            try db.execute(sql: "UPDATE intent SET state = ?, closedAt = ? WHERE id = ? AND state = ?",
                           arguments: [IntentState.refused.rawValue, date, id, IntentState.open.rawValue])
            return db.changesCount == 1
        }
    }

    /// Open intents written at or before `date`, oldest first: what reconciliation looks at.
    public func openIntents(createdUpTo date: Date) async throws -> [IntentRecord] {
        try await writer.read { db in
            try IntentRecord.filter(Column("state") == IntentState.open.rawValue && Column("createdAt") <= date)
                .order(Column("createdAt"), Column("id")).fetchAll(db)
        }
    }

    /// Marks an open intent lost and queues the lines telling its user, in one transaction, so
    /// the user is told exactly once even across restarts. Returns false (and queues nothing)
    /// when it was no longer open.
    @discardableResult
    public func declareIntentLost(id: String, at date: Date, lines: [OutboxLine]) async throws -> Bool {
        try await writer.write { db in
            try db.execute(sql: "UPDATE intent SET state = ?, closedAt = ? WHERE id = ? AND state = ?",
                           arguments: [IntentState.lost.rawValue, date, id, IntentState.open.rawValue])
            guard db.changesCount == 1 else { return false }
            try Self.insert(lines, db)
            return true
        }
    }

    /// Drops intents closed before `date` (with the task retention); open ones are never touched.
    @discardableResult
    public func pruneClosedIntents(before date: Date) async throws -> Int {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM intent WHERE closedAt IS NOT NULL AND closedAt < ? AND state != ?",
                           arguments: [date, IntentState.open.rawValue])
            return db.changesCount
        }
    }

    /// A task came of the intent: it is accepted whatever it was (a job declared lost that
    /// turns up after all is accepted now, and its result is said).
    private static func accept(intentId: String, taskId: String, at date: Date, _ db: Database) throws {
        guard var intent = try IntentRecord.fetchOne(db, key: intentId) else { return }
        var ids = intent.acceptedTaskIds
        if !ids.contains(taskId) { ids.append(taskId) }
        intent.taskIds = ids.joined(separator: ",")
        intent.state = .accepted
        intent.closedAt = intent.closedAt ?? date
        try intent.update(db)
    }
}
