import Foundation
import PostgresNIO
import Store

/// The outbox of lines owed to people, as `SQLiteStore` keeps it. Line ids come from an
/// identity column: they increase in the order lines are inserted, like SQLite's rowids.
/// (With several processes, a line can commit after one with a higher id that another process
/// queued meanwhile; order is kept per transaction, and a task's lines are queued under its
/// lock, so a task's lines commit in id order.)
extension PostgresStore {
    public func enqueue(_ lines: [OutboxLine]) async throws {
        guard !lines.isEmpty else { return }
        try await transaction { connection in
            try await Self.insertLines(lines, connection, logger: self.logger)
        }
    }

    public func unsentLines() async throws -> [OutboxLine] {
        try Self.decodeLines(try await query("""
            SELECT \(unescaped: Self.lineColumns) FROM outbox WHERE sent_at IS NULL AND dead_lettered_at IS NULL ORDER BY id
            """))
    }

    /// One statement: of two deliverers marking the same line, exactly one gets true.
    @discardableResult
    public func markSent(lineId: Int64, at date: Date) async throws -> Bool {
        !(try await query("UPDATE outbox SET sent_at = \(date) WHERE id = \(lineId) AND sent_at IS NULL RETURNING id")).isEmpty
    }

    public func lines(forTask taskId: String) async throws -> [OutboxLine] {
        try Self.decodeLines(try await query("""
            SELECT \(unescaped: Self.lineColumns) FROM outbox WHERE task_id = \(taskId) ORDER BY id
            """))
    }

    public func pruneSentLines(before date: Date) async throws {
        try await query("DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < \(date)")
    }
}
