import Foundation
import PostgresNIO
import Store

extension PostgresStore {
    /// A few counts in one statement (one snapshot), each through a partial index.
    public func gauges() async throws -> StoreGauges {
        let rows = try await query("""
            SELECT (SELECT count(*) FROM task WHERE NOT is_terminal),
                   (SELECT count(*) FROM outbox WHERE sent_at IS NULL AND dead_lettered_at IS NULL),
                   (SELECT count(*) FROM outbox WHERE sent_at IS NULL AND dead_lettered_at IS NULL AND held_since IS NOT NULL),
                   (SELECT count(*) FROM outbox WHERE dead_lettered_at IS NOT NULL)
            """)
        let (pending, unsent, held, dead) = try rows[0].decode((Int, Int, Int, Int).self)
        return StoreGauges(pendingTasks: pending, unsentLines: unsent, heldLines: held, deadLetteredLines: dead)
    }
}
