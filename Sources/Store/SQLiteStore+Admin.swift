import Foundation
import GRDB

/// Storage for roles, ignores, pauses and the audit log. Decisions are made in the bridge;
/// the store only keeps the rows.
extension SQLiteStore {
    // MARK: Admins

    public func adminAccounts() async throws -> [AdminAccount] {
        try await writer.read { db in try AdminAccount.order(Column("addedAt"), Column("accountKey")).fetchAll(db) }
    }

    /// Adds an admin; false (and nothing changed) when the account already is one.
    @discardableResult
    public func addAdmin(_ admin: AdminAccount) async throws -> Bool {
        try await writer.write { db in
            guard try AdminAccount.fetchOne(db, key: admin.accountKey) == nil else { return false }
            try admin.insert(db)
            return true
        }
    }

    /// Removes an admin; false when the account was none.
    @discardableResult
    public func removeAdmin(account: String) async throws -> Bool {
        try await writer.write { db in try AdminAccount.deleteOne(db, key: TaskRoute.fold(account)) }
    }

    // MARK: Ignores

    public func ignoreEntries() async throws -> [IgnoreEntry] {
        try await writer.read { db in try IgnoreEntry.order(Column("addedAt"), Column("key")).fetchAll(db) }
    }

    /// Adds or replaces (a new reason) an ignore entry; false when it replaced one.
    @discardableResult
    public func addIgnore(_ entry: IgnoreEntry) async throws -> Bool {
        try await writer.write { db in
            let existed = try IgnoreEntry.fetchOne(db, key: entry.key) != nil
            try entry.save(db)
            return !existed
        }
    }

    @discardableResult
    public func removeIgnore(key: String) async throws -> Bool {
        try await writer.write { db in try IgnoreEntry.deleteOne(db, key: key) }
    }

    // MARK: Pauses

    public func pauseSettings() async throws -> [PauseSetting] {
        try await writer.read { db in try PauseSetting.order(Column("pausedAt")).fetchAll(db) }
    }

    /// Sets (or replaces) a pause.
    public func setPause(_ pause: PauseSetting) async throws {
        try await writer.write { db in try pause.save(db) }
    }

    /// Lifts the global pause (`channel` nil) or one channel's; false when there was none.
    @discardableResult
    public func removePause(network: String, channel: String?) async throws -> Bool {
        try await writer.write { db in
            let key: [String: String] = channel.map { ["network": network, "channelKey": TaskRoute.fold($0)] }
                ?? ["network": PauseSetting.everywhere, "channelKey": PauseSetting.everywhere]
            return try PauseSetting.deleteOne(db, key: key)
        }
    }

    /// Lifts every pause (`!resume all`); returns how many there were.
    @discardableResult
    public func removeAllPauses() async throws -> Int {
        try await writer.write { db in try PauseSetting.deleteAll(db) }
    }

    // MARK: Audit

    /// Appends one row to the audit log and returns it with its id.
    @discardableResult
    public func appendAudit(_ entry: AuditEntry) async throws -> AuditEntry {
        try await writer.write { db in
            var entry = entry
            try entry.insert(db)
            return entry
        }
    }

    /// Drops audit rows older than `date`; returns how many.
    @discardableResult
    public func pruneAudit(before date: Date) async throws -> Int {
        try await writer.write { db in try AuditEntry.filter(Column("at") < date).deleteAll(db) }
    }

    /// The newest `limit` audit rows, newest first.
    public func recentAudit(limit: Int) async throws -> [AuditEntry] {
        try await writer.read { db in
            try AuditEntry.order(Column("id").desc).limit(max(0, limit)).fetchAll(db)
        }
    }
}
