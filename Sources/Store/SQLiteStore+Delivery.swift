import Foundation
import GRDB

/// What the per-network delivery workers read and record. Every query finds its rows through
/// `outbox_owed` or `outbox_dead_lettered` (migration v8-delivery): none reads sent history.
extension SQLiteStore {
    /// Marks lines sent in one transaction: with `synchronous = FULL` every commit waits for
    /// the disk (~6 ms on the benchmark VM), so one commit per line capped delivery at about
    /// 170 lines a second.
    /// Returns the ids it marked (a line already sent is not).
    @discardableResult
    public func markSent(lineIds: [Int64], at date: Date) async throws -> [Int64] {
        guard !lineIds.isEmpty else { return [] }
        return try await writer.write { db in
            var marked: [Int64] = []
            for id in lineIds {
                try db.execute(sql: "UPDATE outbox SET sentAt = ? WHERE id = ? AND sentAt IS NULL", arguments: [date, id])
                if db.changesCount == 1 { marked.append(id) }
            }
            return marked
        }
    }

    /// Networks with lines still owed (not sent, not dead-lettered), for starting workers.
    public func networksOwingLines() async throws -> [String] {
        try await writer.read { db in
            try String.fetchAll(db, sql: """
                SELECT DISTINCT network FROM outbox WHERE sentAt IS NULL AND deadLetteredAt IS NULL ORDER BY network
                """)
        }
    }

    /// `network`'s owed lines (held ones included) in the order they were queued.
    public func owedLines(network: String) async throws -> [OutboxLine] {
        try await writer.read { db in
            try OutboxLine.fetchAll(db, sql: """
                SELECT * FROM outbox WHERE sentAt IS NULL AND deadLetteredAt IS NULL AND network = ? ORDER BY id
                """, arguments: [network])
        }
    }

    /// One process per file (its lock file sees to that), so there is no one to claim against:
    /// the claim is what the network owes, always held, nothing skipped.
    public func claimOwedLines(network: String, claimant: OutboxClaimant) async throws -> OutboxClaim {
        OutboxClaim(isHeld: true, lines: try await owedLines(network: network))
    }

    /// Whether the line is still owed (a newer progress line may have superseded it since the
    /// worker read it). By primary key.
    public func isOwed(lineId: Int64) async throws -> Bool {
        try await writer.read { db in
            try Bool.fetchOne(db, sql: "SELECT sentAt IS NULL AND deadLetteredAt IS NULL FROM outbox WHERE id = ?",
                              arguments: [lineId]) ?? false
        }
    }

    /// Pieces up to `offset` were confirmed: the next attempt starts there (never moves back).
    public func recordConfirmedOffset(lineId: Int64, offset: Int) async throws {
        try await writer.write { db in
            try db.execute(sql: "UPDATE outbox SET confirmedOffset = MAX(confirmedOffset, ?) WHERE id = ? AND sentAt IS NULL",
                           arguments: [offset, lineId])
        }
    }

    /// The network refused the line: one more attempt counted, the confirmed offset kept, and
    /// the line held (since the first hold) with `reason`. Returns the attempts so far.
    @discardableResult
    public func recordRefusal(lineId: Int64, offset: Int, reason: String, at date: Date) async throws -> Int {
        try await writer.write { db in
            try db.execute(sql: """
                UPDATE outbox SET attempts = attempts + 1, confirmedOffset = MAX(confirmedOffset, ?),
                    heldSince = COALESCE(heldSince, ?), heldReason = ?
                WHERE id = ? AND sentAt IS NULL
                """, arguments: [offset, date, reason, lineId])
            return try Int.fetchOne(db, sql: "SELECT attempts FROM outbox WHERE id = ?", arguments: [lineId]) ?? 0
        }
    }

    /// Lines waiting for their target: held since `date` unless already held (the hold time
    /// counts from the first hold), with the current reason.
    public func hold(lineIds: [Int64], reason: String, at date: Date) async throws {
        guard !lineIds.isEmpty else { return }
        try await writer.write { db in
            for id in lineIds {
                try db.execute(sql: """
                    UPDATE outbox SET heldSince = COALESCE(heldSince, ?), heldReason = ? WHERE id = ? AND sentAt IS NULL
                    """, arguments: [date, reason, id])
            }
        }
    }

    /// Gives up on a line: it is never sent, and stays (with why and when) for `!pending`
    /// until the clean-up drops it. Returns false when it was sent or dead-lettered already.
    @discardableResult
    public func deadLetter(lineId: Int64, offset: Int, reason: String, at date: Date) async throws -> Bool {
        try await writer.write { db in
            try db.execute(sql: """
                UPDATE outbox SET deadLetteredAt = ?, deadLetterReason = ?, confirmedOffset = MAX(confirmedOffset, ?)
                WHERE id = ? AND sentAt IS NULL AND deadLetteredAt IS NULL
                """, arguments: [date, reason, offset, lineId])
            return db.changesCount == 1
        }
    }

    /// Counts by state and the oldest `limit` held and dead-lettered lines.
    public func outboxSummary(limit: Int) async throws -> OutboxSummary {
        try await writer.read { db in
            let unsent = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE sentAt IS NULL AND deadLetteredAt IS NULL") ?? 0
            let held = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM outbox WHERE sentAt IS NULL AND deadLetteredAt IS NULL AND heldSince IS NOT NULL
                """) ?? 0
            let dead = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE deadLetteredAt IS NOT NULL") ?? 0
            let oldestHeld = try OutboxLine.fetchAll(db, sql: """
                SELECT * FROM outbox WHERE sentAt IS NULL AND deadLetteredAt IS NULL AND heldSince IS NOT NULL
                ORDER BY heldSince, id LIMIT ?
                """, arguments: [limit])
            let oldestDead = try OutboxLine.fetchAll(db, sql: """
                SELECT * FROM outbox WHERE deadLetteredAt IS NOT NULL ORDER BY deadLetteredAt LIMIT ?
                """, arguments: [limit])
            return OutboxSummary(owed: unsent - held, held: held, deadLettered: dead,
                                 oldestHeld: oldestHeld, oldestDeadLettered: oldestDead)
        }
    }

    /// Drops dead letters older than `date` (the hourly clean-up, with the sent lines).
    public func pruneDeadLetters(before date: Date) async throws {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM outbox WHERE deadLetteredAt IS NOT NULL AND deadLetteredAt < ?", arguments: [date])
        }
    }
}
