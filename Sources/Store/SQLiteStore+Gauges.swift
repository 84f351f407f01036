import GRDB

/// Counts for the operator's gauges, read when `/metrics` is scraped (two COUNTs, no rows).
public struct StoreGauges: Sendable, Hashable {
    /// Tasks still followed (not terminal).
    public var pendingTasks: Int
    /// Outbox lines not yet handed to a transport.
    public var unsentLines: Int

    public init(pendingTasks: Int, unsentLines: Int) {
        self.pendingTasks = pendingTasks
        self.unsentLines = unsentLines
    }
}

extension SQLiteStore {
    public func gauges() async throws -> StoreGauges {
        try await writer.read { db in
            StoreGauges(pendingTasks: try TaskRecord.filter(Column("isTerminal") == false).fetchCount(db),
                        unsentLines: try OutboxLine.filter(Column("sentAt") == nil).fetchCount(db))
        }
    }
}
