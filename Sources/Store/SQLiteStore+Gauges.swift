import GRDB

/// Counts for the operator's gauges, read when `/metrics` is scraped (a few COUNTs, no rows;
/// each one seeks past sent history through an index).
public struct StoreGauges: Sendable, Hashable {
    /// Tasks still followed (not terminal).
    public var pendingTasks: Int
    /// Outbox lines not yet confirmed and not given up on (`owedLines + heldLines`).
    public var unsentLines: Int
    /// Of those, lines waiting for their target (refused, or the bot not in the channel).
    public var heldLines: Int
    /// Lines given up on (never sent), until the clean-up drops them.
    public var deadLetteredLines: Int

    /// Lines the workers will send as soon as the connection allows.
    public var owedLines: Int { unsentLines - heldLines }

    public init(pendingTasks: Int, unsentLines: Int, heldLines: Int = 0, deadLetteredLines: Int = 0) {
        self.pendingTasks = pendingTasks
        self.unsentLines = unsentLines
        self.heldLines = heldLines
        self.deadLetteredLines = deadLetteredLines
    }
}

extension SQLiteStore {
    public func gauges() async throws -> StoreGauges {
        try await writer.read { db in
            let unsent = OutboxLine.filter(Column("sentAt") == nil && Column("deadLetteredAt") == nil)
            return StoreGauges(pendingTasks: try TaskRecord.filter(Column("isTerminal") == false).fetchCount(db),
                               unsentLines: try unsent.fetchCount(db),
                               heldLines: try unsent.filter(Column("heldSince") != nil).fetchCount(db),
                               deadLetteredLines: try OutboxLine.filter(Column("deadLetteredAt") != nil).fetchCount(db))
        }
    }
}
