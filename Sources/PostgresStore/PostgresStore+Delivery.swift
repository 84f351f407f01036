import Foundation
import PostgresNIO
import Store

/// What the per-network delivery workers read and record, as `SQLiteStore+Delivery`. Each
/// write is one statement on the line's row (PostgreSQL locks the row for it), so two
/// processes recording on the same line both count: `attempts = attempts + 1`, never a
/// value read earlier. The reads seek through `outbox_owed`, `outbox_held` and
/// `outbox_dead_lettered`, past sent history.
extension PostgresStore {
    public func networksOwingLines() async throws -> [String] {
        try await query("""
            SELECT DISTINCT network FROM outbox WHERE sent_at IS NULL AND dead_lettered_at IS NULL ORDER BY network
            """).map { try $0.decode(String.self) }
    }

    public func owedLines(network: String) async throws -> [OutboxLine] {
        try Self.decodeLines(try await query("""
            SELECT \(unescaped: Self.lineColumns) FROM outbox
            WHERE sent_at IS NULL AND dead_lettered_at IS NULL AND network = \(network) ORDER BY id
            """))
    }

    public func isOwed(lineId: Int64) async throws -> Bool {
        try await query("SELECT sent_at IS NULL AND dead_lettered_at IS NULL FROM outbox WHERE id = \(lineId)")
            .first?.decode(Bool.self) ?? false
    }

    public func recordConfirmedOffset(lineId: Int64, offset: Int) async throws {
        try await query("""
            UPDATE outbox SET confirmed_offset = GREATEST(confirmed_offset, \(offset)) WHERE id = \(lineId) AND sent_at IS NULL
            """)
    }

    @discardableResult
    public func recordRefusal(lineId: Int64, offset: Int, reason: String, at date: Date) async throws -> Int {
        try await transaction { connection in
            try await connection.rows("""
                UPDATE outbox SET attempts = attempts + 1, confirmed_offset = GREATEST(confirmed_offset, \(offset)),
                    held_since = COALESCE(held_since, \(date)), held_reason = \(reason)
                WHERE id = \(lineId) AND sent_at IS NULL
                """, logger: self.logger)
            // Also for a line already sent (nothing changed), as SQLite answers.
            return try await connection.rows("SELECT attempts FROM outbox WHERE id = \(lineId)", logger: self.logger)
                .first?.decode(Int.self) ?? 0
        }
    }

    public func hold(lineIds: [Int64], reason: String, at date: Date) async throws {
        guard !lineIds.isEmpty else { return }
        try await query("""
            UPDATE outbox SET held_since = COALESCE(held_since, \(date)), held_reason = \(reason)
            WHERE id = ANY(\(lineIds)) AND sent_at IS NULL
            """)
    }

    @discardableResult
    public func deadLetter(lineId: Int64, offset: Int, reason: String, at date: Date) async throws -> Bool {
        !(try await query("""
            UPDATE outbox SET dead_lettered_at = \(date), dead_letter_reason = \(reason),
                confirmed_offset = GREATEST(confirmed_offset, \(offset))
            WHERE id = \(lineId) AND sent_at IS NULL AND dead_lettered_at IS NULL RETURNING id
            """)).isEmpty
    }

    /// Counts and lists of one moment (a read-only snapshot).
    public func outboxSummary(limit: Int) async throws -> OutboxSummary {
        try await snapshot { connection in
            let logger = self.logger
            let counts = try await connection.rows("""
                SELECT (SELECT count(*) FROM outbox WHERE sent_at IS NULL AND dead_lettered_at IS NULL),
                       (SELECT count(*) FROM outbox WHERE sent_at IS NULL AND dead_lettered_at IS NULL AND held_since IS NOT NULL),
                       (SELECT count(*) FROM outbox WHERE dead_lettered_at IS NOT NULL)
                """, logger: logger)
            let (unsent, held, dead) = try counts[0].decode((Int, Int, Int).self)
            let oldestHeld = try Self.decodeLines(try await connection.rows("""
                SELECT \(unescaped: Self.lineColumns) FROM outbox
                WHERE sent_at IS NULL AND dead_lettered_at IS NULL AND held_since IS NOT NULL
                ORDER BY held_since, id LIMIT \(Self.rowLimit(limit))
                """, logger: logger))
            let oldestDead = try Self.decodeLines(try await connection.rows("""
                SELECT \(unescaped: Self.lineColumns) FROM outbox WHERE dead_lettered_at IS NOT NULL
                ORDER BY dead_lettered_at, id LIMIT \(Self.rowLimit(limit))
                """, logger: logger))
            return OutboxSummary(owed: unsent - held, held: held, deadLettered: dead,
                                 oldestHeld: oldestHeld, oldestDeadLettered: oldestDead)
        }
    }

    public func pruneDeadLetters(before date: Date) async throws {
        try await query("DELETE FROM outbox WHERE dead_lettered_at IS NOT NULL AND dead_lettered_at < \(date)")
    }
}
