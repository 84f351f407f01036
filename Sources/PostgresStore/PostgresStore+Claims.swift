import Foundation
import PostgresNIO
import Store

/// The claim of a network's outbox lines by its holder, checked by the database (migration
/// `p3-outbox-claims`), and the batch mark of lines the network confirmed.
///
/// A process holds a network through a session-level advisory lock on its ownership session
/// (`PostgresOwnershipSession`). Its own fence (`OwnershipMachine.mayDeliver`) is a belief: the
/// process trusts its hold for a while after its last answered ping. The claim is the
/// database's word instead: one statement that claims lines only while the server's lock table
/// (`pg_locks`) shows the claimant's session holding the network's lock at that moment.
extension PostgresStore {
    /// One statement (its own transaction):
    /// - `holders`: the sessions holding the network's lock now, from `pg_locks`. A `bigint`
    ///   advisory key shows its high half in `classid`, its low half in `objid`, and
    ///   `objsubid = 1` (2 is the two-`integer` key space); locks are per database, and the
    ///   test server has many databases, so `database` is checked too.
    /// - `held`: whether the claimant's session is among them. The session is named by its
    ///   backend pid and, when known, the time that backend started (`pg_stat_activity`): a pid
    ///   the kernel recycled for another process's new session is not the claimant's.
    /// - `picked`: if held, the network's owed lines, row-locked in id order
    ///   `FOR NO KEY UPDATE SKIP LOCKED` (the claim changes no key, so a future foreign key to
    ///   `outbox` taking `FOR KEY SHARE` would not make lines skip): a row another transaction
    ///   has locked or is changing (a line being superseded, marked, held) is passed over, never
    ///   waited for, and two claims in flight at once never take the same row. The lock re-reads
    ///   a row changed since the statement's snapshot (READ COMMITTED), so what `picked` returns
    ///   is the row's latest version. Not held: nothing is read or locked.
    /// - `stamped`: the picked rows whose claimant changes get `claimed_by`/`claimed_at`; rows
    ///   this session already claimed (most of them, round after round, held lines included)
    ///   are returned without a write: a round costs row locks, not a dead tuple and WAL per
    ///   owed line.
    /// - returned: the picked lines, the owed lines passed over (read from the statement's
    ///   snapshot), and one `held` row when the claimant held the network.
    ///
    /// Which session claimed a line before is not a condition: when the claimant holds the
    /// exclusive lock, no other session does, so a stamp of any other session is a former
    /// holder's (its claims pass over at once). The exclusion is the advisory lock plus the
    /// row locks; `claimed_by` records who claimed a line last, for operators and tests.
    ///
    /// The row locks last this one statement: a send to the network takes far longer than any
    /// transaction should stay open, so what lasts is the advisory lock the claim was checked
    /// against.
    static func claimQuery(network: String, claimant: OutboxClaimant) -> PostgresQuery {
        let key = UInt64(bitPattern: claimant.lockKey)
        let high = Int64(key >> 32)
        let low = Int64(key & 0xFFFF_FFFF)
        let me = claimant.backendPID
        // Without a known start time (a claimant made by hand) the pid alone names the session.
        let start = claimant.backendStartMicros ?? -1
        return """
            WITH holders AS MATERIALIZED (
                SELECT l.pid FROM pg_locks l
                WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
                  AND l.classid::int8 = \(high) AND l.objid::int8 = \(low)
                  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())),
            held AS MATERIALIZED (
                SELECT EXISTS (
                    SELECT 1 FROM holders h JOIN pg_stat_activity a ON a.pid = h.pid
                    WHERE h.pid = \(me)
                      AND (\(start) < 0 OR (extract(epoch FROM a.backend_start) * 1000000)::int8 = \(start))) AS yes),
            picked AS MATERIALIZED (
                SELECT \(unescaped: lineColumns), claimed_by FROM outbox
                WHERE network = \(network) AND sent_at IS NULL AND dead_lettered_at IS NULL AND (SELECT yes FROM held)
                ORDER BY id
                FOR NO KEY UPDATE SKIP LOCKED),
            stamped AS (
                UPDATE outbox SET claimed_by = \(me), claimed_at = now()
                FROM picked WHERE outbox.id = picked.id AND picked.claimed_by IS DISTINCT FROM \(me)
                RETURNING outbox.id)
            SELECT 'claimed', \(unescaped: lineColumns) FROM picked
            UNION ALL
            SELECT 'skipped', \(unescaped: lineColumns) FROM outbox o
            WHERE network = \(network) AND sent_at IS NULL AND dead_lettered_at IS NULL AND (SELECT yes FROM held)
              AND NOT EXISTS (SELECT 1 FROM picked p WHERE p.id = o.id)
            UNION ALL
            SELECT 'held', NULL::int8, NULL::text, NULL::timestamptz, NULL::int8, NULL::int8, NULL::timestamptz,
                   NULL::text, NULL::timestamptz, NULL::text
            FROM held WHERE yes
            """
    }

    /// The rows of `claimQuery`, lines sorted by id.
    static func decodeClaim(_ rows: [PostgresRow]) throws -> OutboxClaim {
        var claim = OutboxClaim(isHeld: false, lines: [])
        for row in rows {
            let (kind, id, body, sentAt, confirmedOffset, attempts, heldSince, heldReason, deadLetteredAt, deadLetterReason) =
                try row.decode((String, Int64?, String?, Date?, Int?, Int?, Date?, String?, Date?, String?).self)
            guard kind != "held" else {
                claim.isHeld = true
                continue
            }
            guard let id, let body else { continue }
            var line = try RecordJSON.decode(OutboxLine.self, from: body, table: "outbox", key: String(id))
            line.id = id
            line.sentAt = sentAt
            line.confirmedOffset = confirmedOffset ?? 0
            line.attempts = attempts ?? 0
            line.heldSince = heldSince
            line.heldReason = heldReason
            line.deadLetteredAt = deadLetteredAt
            line.deadLetterReason = deadLetterReason
            if kind == "claimed" { claim.lines.append(line) } else { claim.skipped.append(line) }
        }
        claim.lines.sort { ($0.id ?? 0) < ($1.id ?? 0) }
        claim.skipped.sort { ($0.id ?? 0) < ($1.id ?? 0) }
        return claim
    }

    /// Claims `network`'s owed lines for `claimant` (see `claimQuery`). Retried like every
    /// single statement on a serialization failure: claiming again is harmless.
    public func claimOwedLines(network: String, claimant: OutboxClaimant) async throws -> OutboxClaim {
        try Self.decodeClaim(try await query(Self.claimQuery(network: network, claimant: claimant)))
    }

    /// One statement for the batch (the mark writer's), returning the ids it marked.
    ///
    /// Not conditional on the claim, on purpose: a line the server echoed (or otherwise
    /// confirmed) was said, whoever wrote it. If the writer's claim lapsed meanwhile (its
    /// session ended, a standby took the network over), refusing its mark would leave the line
    /// owed and the new holder would say it a second time: the mark is what keeps the
    /// confirmed-send duplicate from happening. `sent_at IS NULL` keeps the first mark.
    @discardableResult
    public func markSent(lineIds: [Int64], at date: Date) async throws -> [Int64] {
        guard !lineIds.isEmpty else { return [] }
        return try await query("""
            UPDATE outbox SET sent_at = \(date) WHERE id = ANY(\(lineIds)) AND sent_at IS NULL RETURNING id
            """).map { try $0.decode(Int64.self) }
    }
}
