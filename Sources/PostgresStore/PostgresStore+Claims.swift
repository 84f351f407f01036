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
    /// - `picked`: if the claimant is among them, the network's owed lines that are unclaimed,
    ///   claimed by it, or claimed by a session that no longer holds the lock (a dead holder's
    ///   claims are taken over at once, no lease to wait out), row-locked in id order
    ///   `FOR UPDATE SKIP LOCKED`: a row another transaction has locked (a line being
    ///   superseded, marked, held) is passed over, never waited for, and two claims in flight
    ///   at once never take the same row. Not the claimant's: nothing is read or locked.
    /// - the claimed rows are stamped with the claimant, and returned with the owed lines that
    ///   were passed over (read from the statement's snapshot) and one `held` row when the
    ///   claimant held the network.
    ///
    /// The row locks last this one statement: a send to the network takes far longer than any
    /// transaction should stay open, so what lasts is `claimed_by`, which stays valid exactly as
    /// long as its session keeps the network's lock.
    static func claimQuery(network: String, claimant: OutboxClaimant) -> PostgresQuery {
        let key = UInt64(bitPattern: claimant.lockKey)
        let high = Int64(key >> 32)
        let low = Int64(key & 0xFFFF_FFFF)
        let me = claimant.backendPID
        return """
            WITH holders AS MATERIALIZED (
                SELECT l.pid FROM pg_locks l
                WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
                  AND l.classid::int8 = \(high) AND l.objid::int8 = \(low)
                  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())),
            held AS MATERIALIZED (
                SELECT EXISTS (SELECT 1 FROM holders WHERE pid = \(me)) AS yes),
            picked AS MATERIALIZED (
                SELECT o.id AS picked_id FROM outbox o
                WHERE o.network = \(network) AND o.sent_at IS NULL AND o.dead_lettered_at IS NULL
                  AND (SELECT yes FROM held)
                  AND (o.claimed_by IS NULL OR o.claimed_by = \(me) OR o.claimed_by NOT IN (SELECT pid FROM holders))
                ORDER BY o.id
                FOR UPDATE OF o SKIP LOCKED),
            claimed AS (
                UPDATE outbox SET claimed_by = \(me),
                    claimed_at = CASE WHEN claimed_by IS DISTINCT FROM \(me) THEN now() ELSE claimed_at END
                FROM picked WHERE outbox.id = picked.picked_id
                RETURNING \(unescaped: lineColumns))
            SELECT 'claimed', \(unescaped: lineColumns) FROM claimed
            UNION ALL
            SELECT 'skipped', \(unescaped: lineColumns) FROM outbox
            WHERE network = \(network) AND sent_at IS NULL AND dead_lettered_at IS NULL AND (SELECT yes FROM held)
              AND id NOT IN (SELECT picked_id FROM picked)
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
