import Foundation
import PostgresNIO
import Store

/// Roles, ignores, pauses and the audit log, as `SQLiteStore+Admin` keeps them. Each method is
/// one statement (or one transaction) whose outcome does not depend on a read made before it,
/// so two processes acting at once get the answers one writer would have given.
extension PostgresStore {
    // MARK: Admins

    public func adminAccounts() async throws -> [AdminAccount] {
        let rows = try await query("SELECT account_key, body FROM admin_account ORDER BY added_at, account_key")
        return try RestRecords.decode(AdminAccount.self, rows, table: "admin_account")
    }

    /// Adds an admin; false (and nothing changed) when the account already is one.
    @discardableResult
    public func addAdmin(_ admin: AdminAccount) async throws -> Bool {
        let body = try RecordJSON.encode(admin)
        return !(try await query("""
            INSERT INTO admin_account (account_key, added_at, body) VALUES (\(admin.accountKey), \(admin.addedAt), \(body))
            ON CONFLICT (account_key) DO NOTHING RETURNING 1
            """).isEmpty)
    }

    @discardableResult
    public func removeAdmin(account: String) async throws -> Bool {
        !(try await query("DELETE FROM admin_account WHERE account_key = \(TaskRoute.fold(account)) RETURNING 1").isEmpty)
    }

    // MARK: Ignores

    public func ignoreEntries() async throws -> [IgnoreEntry] {
        let rows = try await query("SELECT key, body FROM ignore_entry ORDER BY added_at, key")
        return try RestRecords.decode(IgnoreEntry.self, rows, table: "ignore_entry")
    }

    /// Adds or replaces an ignore entry; false when it replaced one. The insert that does
    /// nothing on a conflict waits for a concurrent insert of the same key to commit, so of two
    /// processes adding one entry exactly one is told it added it.
    @discardableResult
    public func addIgnore(_ entry: IgnoreEntry) async throws -> Bool {
        let body = try RecordJSON.encode(entry)
        let logger = self.logger
        return try await transaction { connection in
            let inserted = !(try await connection.rows("""
                INSERT INTO ignore_entry (key, added_at, body) VALUES (\(entry.key), \(entry.addedAt), \(body))
                ON CONFLICT (key) DO NOTHING RETURNING 1
                """, logger: logger).isEmpty)
            if !inserted {
                try await connection.rows("""
                    UPDATE ignore_entry SET added_at = \(entry.addedAt), body = \(body) WHERE key = \(entry.key)
                    """, logger: logger)
            }
            return inserted
        }
    }

    @discardableResult
    public func removeIgnore(key: String) async throws -> Bool {
        !(try await query("DELETE FROM ignore_entry WHERE key = \(key) RETURNING 1").isEmpty)
    }

    // MARK: Pauses

    /// Oldest first (SQLite orders by the time only; the key breaks ties here).
    public func pauseSettings() async throws -> [PauseSetting] {
        let rows = try await query("""
            SELECT network || ' ' || channel_key, body FROM pause_setting ORDER BY paused_at, network, channel_key
            """)
        return try RestRecords.decode(PauseSetting.self, rows, table: "pause_setting")
    }

    public func setPause(_ pause: PauseSetting) async throws {
        let body = try RecordJSON.encode(pause)
        try await query("""
            INSERT INTO pause_setting (network, channel_key, paused_at, body)
            VALUES (\(pause.network), \(pause.channelKey), \(pause.pausedAt), \(body))
            ON CONFLICT (network, channel_key) DO UPDATE SET paused_at = excluded.paused_at, body = excluded.body
            """)
    }

    /// Lifts the global pause (`channel` nil) or one channel's; false when there was none.
    @discardableResult
    public func removePause(network: String, channel: String?) async throws -> Bool {
        let (network, channelKey) = channel.map { (network, TaskRoute.fold($0)) } ?? (PauseSetting.everywhere, PauseSetting.everywhere)
        return !(try await query("""
            DELETE FROM pause_setting WHERE network = \(network) AND channel_key = \(channelKey) RETURNING 1
            """).isEmpty)
    }

    @discardableResult
    public func removeAllPauses() async throws -> Int {
        try await query("WITH gone AS (DELETE FROM pause_setting RETURNING 1) SELECT count(*) FROM gone")[0].decode(Int.self)
    }

    // MARK: Audit

    /// Appends one row and returns it with its id (the database's; the body is kept without it).
    @discardableResult
    public func appendAudit(_ entry: AuditEntry) async throws -> AuditEntry {
        var stored = entry
        stored.id = nil
        let body = try RecordJSON.encode(stored)
        let rows = try await query("INSERT INTO audit_entry (at, body) VALUES (\(entry.at), \(body)) RETURNING id")
        stored.id = try rows[0].decode(Int64.self)
        return stored
    }

    @discardableResult
    public func pruneAudit(before date: Date) async throws -> Int {
        try await query("WITH gone AS (DELETE FROM audit_entry WHERE at < \(date) RETURNING 1) SELECT count(*) FROM gone")[0]
            .decode(Int.self)
    }

    /// The newest `limit` rows, newest first.
    public func recentAudit(limit: Int) async throws -> [AuditEntry] {
        try await query("SELECT id, body FROM audit_entry ORDER BY id DESC LIMIT \(max(0, limit))").map { row in
            let (id, body) = try row.decode((Int64, String).self)
            var entry = try RecordJSON.decode(AuditEntry.self, from: body, table: "audit_entry", key: "\(id)")
            entry.id = id
            return entry
        }
    }
}
