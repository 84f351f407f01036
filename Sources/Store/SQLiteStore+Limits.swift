import Foundation
import GRDB

/// Counters for the limits: daily usage per identity and UTC day, the last submission, quota
/// overrides set from chat, and reservations for jobs on their way to the proxy. The decisions
/// are the bridge's; the store only counts, and counts atomically.
extension SQLiteStore {
    /// The identity `!quota default` stores everyone's limit under (no real identity has no `!`
    /// and is `*`).
    public static let everyoneQuotaKey = StoreConventions.everyoneQuotaKey

    /// A reservation older than this is from a process that died between reserving and
    /// recording: it no longer holds a pending slot (its daily unit stays spent).
    public static let reservationLifetime: TimeInterval = StoreConventions.reservationLifetime

    /// Reads the counters, lets `decide` judge them and, when it has no refusal, counts the job
    /// and reserves its pending slot — in one write transaction, so two submissions racing for
    /// the last slot cannot both pass.
    public func reserveJob<Refusal: Sendable & Hashable>(
        _ requester: JobRequester, at now: Date,
        decide: @escaping @Sendable (JobCounters) -> Refusal?
    ) async throws -> ReservationOutcome<Refusal> {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM jobReservation WHERE createdAt < ?",
                           arguments: [now.addingTimeInterval(-Self.reservationLifetime)])
            let counters = try Self.counters(db, requester)
            if let refusal = decide(counters) { return .refused(refusal) }
            try db.execute(sql: """
                INSERT INTO limitUsage(identity, day, jobs) VALUES(?, ?, 1)
                ON CONFLICT(identity, day) DO UPDATE SET jobs = jobs + 1
                """, arguments: [requester.identity, requester.day])
            try db.execute(sql: """
                INSERT INTO limitUser(identity, lastNick, lastNickKey, lastSubmissionAt) VALUES(?, ?, ?, ?)
                ON CONFLICT(identity) DO UPDATE SET lastNick = excluded.lastNick, lastNickKey = excluded.lastNickKey,
                    lastSubmissionAt = excluded.lastSubmissionAt
                """, arguments: [requester.identity, requester.nick, TaskRoute.fold(requester.nick), now])
            try db.execute(sql: """
                INSERT INTO jobReservation(identity, scopeKey, createdAt, day, previousSubmissionAt) VALUES(?, ?, ?, ?, ?)
                """, arguments: [requester.identity, requester.channelScopeKey, now, requester.day, counters.lastSubmissionAt])
            return .reserved(JobReservation(id: db.lastInsertedRowID, identity: requester.identity, day: requester.day,
                                            previousSubmissionAt: counters.lastSubmissionAt))
        }
    }

    /// The counters `reserveJob` decides on, without reserving (for `!quota` and tests).
    public func jobCounters(_ requester: JobRequester, at now: Date) async throws -> JobCounters {
        try await writer.read { db in
            let live = now.addingTimeInterval(-Self.reservationLifetime)
            return try Self.counters(db, requester, liveSince: live)
        }
    }

    /// The tasks of a reserved job are stored: its slot is now held by them.
    public func completeReservation(_ reservation: JobReservation) async throws {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM jobReservation WHERE id = ?", arguments: [reservation.id])
        }
    }

    /// The job never reached the proxy (refused, unreachable, bad arguments): the slot, the
    /// daily unit and the cooldown are given back.
    public func releaseReservation(_ reservation: JobReservation) async throws {
        try await writer.write { db in
            guard let reservedAt = try Date.fetchOne(db, sql: "SELECT createdAt FROM jobReservation WHERE id = ?",
                                                     arguments: [reservation.id]) else { return }
            try db.execute(sql: "DELETE FROM jobReservation WHERE id = ?", arguments: [reservation.id])
            try db.execute(sql: "UPDATE limitUsage SET jobs = max(jobs - 1, 0) WHERE identity = ? AND day = ?",
                           arguments: [reservation.identity, reservation.day])
            // Only if no later submission (an exempt admin's, say) has set it since.
            try db.execute(sql: "UPDATE limitUser SET lastSubmissionAt = ? WHERE identity = ? AND lastSubmissionAt = ?",
                           arguments: [reservation.previousSubmissionAt, reservation.identity, reservedAt])
        }
    }

    /// `!quota`: one identity's usage today and the limits set for it.
    public func quotaUsage(identity: String, day: String) async throws -> QuotaUsage {
        try await writer.read { db in
            let used = try Int.fetchOne(db, sql: "SELECT jobs FROM limitUsage WHERE identity = ? AND day = ?",
                                        arguments: [identity, day]) ?? 0
            let nick = try String.fetchOne(db, sql: "SELECT lastNick FROM limitUser WHERE identity = ?", arguments: [identity])
            let limits = try Self.overrides(db, identity: identity, day: day)
            return QuotaUsage(identity: identity, lastNick: nick, usedToday: used, todayLimit: limits.today,
                              userDefaultLimit: limits.user, globalDefaultLimit: limits.everyone)
        }
    }

    /// The identity that last submitted under this nick, if any (so admins can name people by nick).
    public func identity(lastUsingNick nick: String) async throws -> String? {
        try await writer.read { db in
            try String.fetchOne(db, sql: "SELECT identity FROM limitUser WHERE lastNickKey = ? ORDER BY lastSubmissionAt DESC LIMIT 1",
                                arguments: [TaskRoute.fold(nick)])
        }
    }

    /// Whether the store has ever counted a job for this identity.
    public func knowsIdentity(_ identity: String) async throws -> Bool {
        try await writer.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM limitUser WHERE identity = ?)", arguments: [identity]) ?? false
        }
    }

    /// Sets (or with nil removes) a daily limit: for `day` only, or with `day` nil as the
    /// identity's default. `0` = unlimited. `identity` `SQLiteStore.everyoneQuotaKey` is everyone.
    public func setQuotaOverride(identity: String, day: String?, limit: Int?, at now: Date) async throws {
        try await writer.write { db in
            if let limit {
                try db.execute(sql: """
                    INSERT INTO quotaOverride(identity, day, dailyLimit, updatedAt) VALUES(?, ?, ?, ?)
                    ON CONFLICT(identity, day) DO UPDATE SET dailyLimit = excluded.dailyLimit, updatedAt = excluded.updatedAt
                    """, arguments: [identity, day ?? "", limit, now])
            } else {
                try db.execute(sql: "DELETE FROM quotaOverride WHERE identity = ? AND day = ?", arguments: [identity, day ?? ""])
            }
        }
    }

    /// Removes every override of an identity (today's and default).
    public func clearQuotaOverrides(identity: String) async throws {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM quotaOverride WHERE identity = ?", arguments: [identity])
        }
    }

    /// Drops daily counts of days before `day` (a `UTCDay.key`) and today's-only overrides
    /// that have run out, so the tables stay the size of the current crowd.
    public func pruneLimitCounts(before day: String) async throws {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM limitUsage WHERE day < ?", arguments: [day])
            try db.execute(sql: "DELETE FROM quotaOverride WHERE day <> '' AND day < ?", arguments: [day])
        }
    }

    // MARK: Reading counters

    private static func counters(_ db: Database, _ requester: JobRequester, liveSince: Date? = nil) throws -> JobCounters {
        // Inside reserveJob stale reservations were just deleted; a read filters them instead.
        let live = liveSince ?? .distantPast
        let used = try Int.fetchOne(db, sql: "SELECT jobs FROM limitUsage WHERE identity = ? AND day = ?",
                                    arguments: [requester.identity, requester.day]) ?? 0
        let last = try Date.fetchOne(db, sql: "SELECT lastSubmissionAt FROM limitUser WHERE identity = ?",
                                     arguments: [requester.identity])
        let limits = try overrides(db, identity: requester.identity, day: requester.day)
        let pendingUser = try count(db, "SELECT COUNT(*) FROM task WHERE isTerminal = 0 AND userKey = ?", [requester.identity])
            + count(db, "SELECT COUNT(*) FROM jobReservation WHERE identity = ? AND createdAt >= ?", [requester.identity, live])
        var pendingChannel: Int?
        if let scope = requester.channelScopeKey {
            pendingChannel = try count(db, "SELECT COUNT(*) FROM task WHERE isTerminal = 0 AND scopeKey = ?", [scope])
                + count(db, "SELECT COUNT(*) FROM jobReservation WHERE scopeKey = ? AND createdAt >= ?", [scope, live])
        }
        let pendingTotal = try count(db, "SELECT COUNT(*) FROM task WHERE isTerminal = 0", [])
            + count(db, "SELECT COUNT(*) FROM jobReservation WHERE createdAt >= ?", [live])
        return JobCounters(usedToday: used, todayLimit: limits.today, userDefaultLimit: limits.user,
                           globalDefaultLimit: limits.everyone, pendingUser: pendingUser, pendingChannel: pendingChannel,
                           pendingTotal: pendingTotal, lastSubmissionAt: last)
    }

    private static func overrides(_ db: Database, identity: String, day: String) throws -> (today: Int?, user: Int?, everyone: Int?) {
        let sql = "SELECT dailyLimit FROM quotaOverride WHERE identity = ? AND day = ?"
        return (try Int.fetchOne(db, sql: sql, arguments: [identity, day]),
                try Int.fetchOne(db, sql: sql, arguments: [identity, ""]),
                try Int.fetchOne(db, sql: sql, arguments: [everyoneQuotaKey, ""]))
    }

    private static func count(_ db: Database, _ sql: String, _ arguments: [(any DatabaseValueConvertible)?]) throws -> Int {
        try Int.fetchOne(db, sql: sql, arguments: StatementArguments(arguments)) ?? 0
    }
}
