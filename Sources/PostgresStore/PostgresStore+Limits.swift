import Foundation
import Logging
import PostgresNIO
import Store

/// Counters for the limits, as `SQLiteStore+Limits` keeps them (daily usage per identity and
/// UTC day, the last submission, quota overrides, reservations of jobs on their way to the
/// proxy), shared by several bot processes.
///
/// SQLite decided with one writer at a time; here every `reserveJob` of every process takes one
/// transaction-level advisory lock first, so decisions are still made one at a time: two
/// processes reserving the last job of a quota cannot both pass. The counters are then read in
/// ONE statement (one snapshot), so a task committed with its reservation completed in between
/// is counted once, never zero times.
extension PostgresStore {
    /// The advisory lock every reservation decision takes ("mjlimits"; the migrations use
    /// "mjbridge"). The bigint key space does not overlap the two-int one.
    static let limitsLockKey: Int64 = 0x6D6A_6C69_6D69_7473

    public func reserveJob<Refusal: Sendable & Hashable>(
        _ requester: JobRequester, at now: Date,
        decide: @escaping @Sendable (JobCounters) -> Refusal?
    ) async throws -> ReservationOutcome<Refusal> {
        let logger = self.logger
        return try await transaction { connection in
            try await connection.rows("SELECT pg_advisory_xact_lock(\(Self.limitsLockKey))", logger: logger)
            let live = now.addingTimeInterval(-StoreConventions.reservationLifetime)
            try await connection.rows("DELETE FROM job_reservation WHERE created_at < \(live)", logger: logger)
            let counters = try await Self.counters(connection, requester, liveSince: live, logger: logger)
            if let refusal = decide(counters) { return .refused(refusal) }
            try await connection.rows("""
                INSERT INTO limit_usage (identity, day, jobs) VALUES (\(requester.identity), \(requester.day), 1)
                ON CONFLICT (identity, day) DO UPDATE SET jobs = limit_usage.jobs + 1
                """, logger: logger)
            try await connection.rows("""
                INSERT INTO limit_user (identity, last_nick, last_nick_key, last_submission_at)
                VALUES (\(requester.identity), \(requester.nick), \(TaskRoute.fold(requester.nick)), \(now))
                ON CONFLICT (identity) DO UPDATE SET last_nick = excluded.last_nick,
                    last_nick_key = excluded.last_nick_key, last_submission_at = excluded.last_submission_at
                """, logger: logger)
            let rows = try await connection.rows("""
                INSERT INTO job_reservation (identity, scope_key, created_at, day, previous_submission_at)
                VALUES (\(requester.identity), \(requester.channelScopeKey), \(now), \(requester.day), \(counters.lastSubmissionAt))
                RETURNING id
                """, logger: logger)
            guard let id = try rows.first?.decode(Int64.self) else {
                throw PostgresStoreError.badRecord(table: "job_reservation", key: requester.identity, reason: "no id returned")
            }
            return .reserved(JobReservation(id: id, identity: requester.identity, day: requester.day,
                                            previousSubmissionAt: counters.lastSubmissionAt))
        }
    }

    /// The counters `reserveJob` decides on, without reserving (lapsed reservations filtered).
    public func jobCounters(_ requester: JobRequester, at now: Date) async throws -> JobCounters {
        let logger = self.logger
        do {
            return try await withLease { connection in
                try await Self.counters(connection, requester,
                                        liveSince: now.addingTimeInterval(-StoreConventions.reservationLifetime), logger: logger)
            }
        } catch {
            throw Self.storeError(error)
        }
    }

    public func completeReservation(_ reservation: JobReservation) async throws {
        try await query("DELETE FROM job_reservation WHERE id = \(reservation.id)")
    }

    /// The slot, the daily unit and the cooldown are given back, once: the reservation row is
    /// locked, so a second release (here or in another process) finds it gone.
    public func releaseReservation(_ reservation: JobReservation) async throws {
        let logger = self.logger
        try await transaction { connection in
            let rows = try await connection.rows(
                "SELECT created_at FROM job_reservation WHERE id = \(reservation.id) FOR UPDATE", logger: logger)
            guard let reservedAt = try rows.first?.decode(Date.self) else { return }
            try await connection.rows("DELETE FROM job_reservation WHERE id = \(reservation.id)", logger: logger)
            try await connection.rows("""
                UPDATE limit_usage SET jobs = GREATEST(jobs - 1, 0)
                WHERE identity = \(reservation.identity) AND day = \(reservation.day)
                """, logger: logger)
            // Only if no later submission (an exempt admin's, say) has set it since.
            try await connection.rows("""
                UPDATE limit_user SET last_submission_at = \(reservation.previousSubmissionAt)
                WHERE identity = \(reservation.identity) AND last_submission_at = \(reservedAt)
                """, logger: logger)
        }
    }

    public func quotaUsage(identity: String, day: String) async throws -> QuotaUsage {
        let rows = try await query("""
            SELECT (SELECT jobs FROM limit_usage WHERE identity = \(identity) AND day = \(day)),
                   (SELECT last_nick FROM limit_user WHERE identity = \(identity)),
                   (SELECT daily_limit FROM quota_override WHERE identity = \(identity) AND day = \(day)),
                   (SELECT daily_limit FROM quota_override WHERE identity = \(identity) AND day = ''),
                   (SELECT daily_limit FROM quota_override WHERE identity = \(StoreConventions.everyoneQuotaKey) AND day = '')
            """)
        let (used, nick, today, user, everyone) = try rows[0].decode((Int?, String?, Int?, Int?, Int?).self)
        return QuotaUsage(identity: identity, lastNick: nick, usedToday: used ?? 0, todayLimit: today,
                          userDefaultLimit: user, globalDefaultLimit: everyone)
    }

    /// The identity that last submitted under this nick. SQLite puts a NULL time last when
    /// sorting descending; PostgreSQL must be told.
    public func identity(lastUsingNick nick: String) async throws -> String? {
        try await query("""
            SELECT identity FROM limit_user WHERE last_nick_key = \(TaskRoute.fold(nick))
            ORDER BY last_submission_at DESC NULLS LAST, identity LIMIT 1
            """).first?.decode(String.self)
    }

    public func knowsIdentity(_ identity: String) async throws -> Bool {
        try await query("SELECT EXISTS (SELECT 1 FROM limit_user WHERE identity = \(identity))")[0].decode(Bool.self)
    }

    /// Sets (or with nil removes) a daily limit for `day`, or with `day` nil the identity's
    /// default. `0` = unlimited; identity `StoreConventions.everyoneQuotaKey` is everyone.
    public func setQuotaOverride(identity: String, day: String?, limit: Int?, at now: Date) async throws {
        if let limit {
            try await query("""
                INSERT INTO quota_override (identity, day, daily_limit, updated_at) VALUES (\(identity), \(day ?? ""), \(limit), \(now))
                ON CONFLICT (identity, day) DO UPDATE SET daily_limit = excluded.daily_limit, updated_at = excluded.updated_at
                """)
        } else {
            try await query("DELETE FROM quota_override WHERE identity = \(identity) AND day = \(day ?? "")")
        }
    }

    public func clearQuotaOverrides(identity: String) async throws {
        try await query("DELETE FROM quota_override WHERE identity = \(identity)")
    }

    /// Drops daily counts of days before `day` and today's-only overrides that have run out.
    public func pruneLimitCounts(before day: String) async throws {
        let logger = self.logger
        try await transaction { connection in
            try await connection.rows("DELETE FROM limit_usage WHERE day < \(day)", logger: logger)
            try await connection.rows("DELETE FROM quota_override WHERE day <> '' AND day < \(day)", logger: logger)
        }
    }

    // MARK: Reading counters

    /// Every counter in one statement, so all of them come from one snapshot of the database
    /// (READ COMMITTED takes a new one per statement). Pending work is the unfinished tasks
    /// (pg-core's `task` table) plus the reservations made since `liveSince`.
    static func counters(_ connection: PostgresConnection, _ requester: JobRequester, liveSince live: Date,
                         logger: Logger) async throws -> JobCounters {
        let identity = requester.identity
        let day = requester.day
        let scope = requester.channelScopeKey
        let rows = try await connection.rows("""
            SELECT (SELECT jobs FROM limit_usage WHERE identity = \(identity) AND day = \(day)),
                   (SELECT last_submission_at FROM limit_user WHERE identity = \(identity)),
                   (SELECT daily_limit FROM quota_override WHERE identity = \(identity) AND day = \(day)),
                   (SELECT daily_limit FROM quota_override WHERE identity = \(identity) AND day = ''),
                   (SELECT daily_limit FROM quota_override WHERE identity = \(StoreConventions.everyoneQuotaKey) AND day = ''),
                   (SELECT count(*) FROM task WHERE NOT is_terminal AND user_key = \(identity))
                     + (SELECT count(*) FROM job_reservation WHERE identity = \(identity) AND created_at >= \(live)),
                   (SELECT count(*) FROM task WHERE NOT is_terminal AND scope_key = \(scope))
                     + (SELECT count(*) FROM job_reservation WHERE scope_key = \(scope) AND created_at >= \(live)),
                   (SELECT count(*) FROM task WHERE NOT is_terminal)
                     + (SELECT count(*) FROM job_reservation WHERE created_at >= \(live))
            """, logger: logger)
        let (used, last, today, user, everyone, pendingUser, pendingChannel, pendingTotal) =
            try rows[0].decode((Int?, Date?, Int?, Int?, Int?, Int, Int, Int).self)
        return JobCounters(usedToday: used ?? 0, todayLimit: today, userDefaultLimit: user, globalDefaultLimit: everyone,
                           pendingUser: pendingUser, pendingChannel: scope == nil ? nil : pendingChannel,
                           pendingTotal: pendingTotal, lastSubmissionAt: last)
    }
}
