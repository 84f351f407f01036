import Foundation
import Logging
import PostgresNIO
import Store

/// Intents (submissions written before the proxy is asked), as `SQLiteStore+Intents`. A state
/// change reads the intent `FOR UPDATE` and writes it back in the same transaction: two
/// processes closing one intent at once (a callback adopting the task on one, reconciliation
/// declaring it lost on the other) take turns, and the second sees the first's state.
extension PostgresStore {
    public func recordIntent(_ intent: IntentRecord) async throws {
        try await transaction { connection in
            try await Self.writeIntent(intent, insert: true, connection, logger: self.logger)
        }
    }

    public func intent(id: String) async throws -> IntentRecord? {
        try Self.decodeIntents(try await query("SELECT id, body FROM intent WHERE id = \(id)")).first
    }

    public func insert(_ task: TaskRecord, lines: [OutboxLine], acceptingIntent intentId: String?, at date: Date) async throws {
        try await transaction { connection in
            try await Self.insertTasks([task], connection, logger: self.logger)
            try await Self.insertLines(lines, locked: [task.id], connection, logger: self.logger)
            if let intentId { try await Self.accept(intentId: intentId, taskId: task.id, at: date, connection, logger: self.logger) }
        }
    }

    public func acceptIntent(id: String, taskId: String, at date: Date) async throws {
        try await transaction { connection in
            try await Self.accept(intentId: id, taskId: taskId, at: date, connection, logger: self.logger)
        }
    }

    @discardableResult
    public func refuseIntent(id: String, at date: Date) async throws -> Bool {
        try await transaction { connection in
            try await Self.close(intentId: id, as: .refused, at: date, connection, logger: self.logger)
        }
    }

    public func openIntents(createdUpTo date: Date) async throws -> [IntentRecord] {
        try Self.decodeIntents(try await query("""
            SELECT id, body FROM intent WHERE state = \(IntentState.open.rawValue) AND created_at <= \(date)
            ORDER BY created_at, id
            """))
    }

    @discardableResult
    public func declareIntentLost(id: String, at date: Date, lines: [OutboxLine]) async throws -> Bool {
        try await transaction { connection in
            guard try await Self.close(intentId: id, as: .lost, at: date, connection, logger: self.logger) else { return false }
            try await Self.insertLines(lines, connection, logger: self.logger)
            return true
        }
    }

    @discardableResult
    public func pruneClosedIntents(before date: Date) async throws -> Int {
        try await query("""
            WITH gone AS (DELETE FROM intent WHERE closed_at IS NOT NULL AND closed_at < \(date)
                          AND state <> \(IntentState.open.rawValue) RETURNING 1)
            SELECT count(*) FROM gone
            """).first?.decode(Int.self) ?? 0
    }

    // MARK: Rows

    static func decodeIntents(_ rows: [PostgresRow]) throws -> [IntentRecord] {
        try rows.map { row in
            let (id, body) = try row.decode((String, String).self)
            return try RecordJSON.decode(IntentRecord.self, from: body, table: "intent", key: id)
        }
    }

    static func lockIntent(_ id: String, _ connection: PostgresConnection, logger: Logger) async throws -> IntentRecord? {
        try decodeIntents(try await connection.rows("SELECT id, body FROM intent WHERE id = \(id) FOR UPDATE", logger: logger)).first
    }

    static func writeIntent(_ intent: IntentRecord, insert: Bool, _ connection: PostgresConnection, logger: Logger) async throws {
        let body = try RecordJSON.encode(intent)
        if insert {
            try await connection.rows("""
                INSERT INTO intent (id, state, created_at, closed_at, body)
                VALUES (\(intent.id), \(intent.state.rawValue), \(intent.createdAt), \(intent.closedAt), \(body))
                """, logger: logger)
        } else {
            try await connection.rows("""
                UPDATE intent SET state = \(intent.state.rawValue), created_at = \(intent.createdAt),
                    closed_at = \(intent.closedAt), body = \(body)
                WHERE id = \(intent.id)
                """, logger: logger)
        }
    }

    /// Closes an open intent as `state`; false when it was not open (or not there).
    static func close(intentId: String, as state: IntentState, at date: Date, _ connection: PostgresConnection,
                      logger: Logger) async throws -> Bool {
        guard var intent = try await lockIntent(intentId, connection, logger: logger), intent.state == .open else { return false }
        intent.state = state
        intent.closedAt = date
        try await writeIntent(intent, insert: false, connection, logger: logger)
        return true
    }

    /// A task came of the intent: it is accepted whatever it was (see `SQLiteStore`).
    static func accept(intentId: String, taskId: String, at date: Date, _ connection: PostgresConnection,
                       logger: Logger) async throws {
        guard var intent = try await lockIntent(intentId, connection, logger: logger) else { return }
        var ids = intent.acceptedTaskIds
        if !ids.contains(taskId) { ids.append(taskId) }
        intent.taskIds = ids.joined(separator: ",")
        intent.state = .accepted
        intent.closedAt = intent.closedAt ?? date
        try await writeIntent(intent, insert: false, connection, logger: logger)
    }
}
