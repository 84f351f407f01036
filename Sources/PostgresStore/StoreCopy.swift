import Foundation
import Logging
import Store

/// `mjbridge migrate-store`: moves a bot's SQLite store into an empty PostgreSQL database.
///
/// In order: the SQLite file's `DatabaseLock` is taken (no bot may write it meanwhile; it is
/// held to the end), the file is read into a private in-memory copy migrated to this version's
/// schema (the file itself is never written: see `SQLiteStore.copyOfFile(at:)`), PostgreSQL is
/// reached and migrated, every row is written in one transaction, and the counts are read back
/// from PostgreSQL after the commit and compared with what was read.
public enum StoreCopy {
    /// What was copied: rows per table as read from SQLite and as read back from PostgreSQL.
    public struct Report: Sendable, Hashable {
        public var source: [StoreTableCount]
        public var target: [StoreTableCount]

        /// One line per table: `task  12 → 12`.
        public var lines: [String] {
            let width = source.map(\.table.count).max() ?? 0
            return zip(source, target).map { read, written in
                read.table.padding(toLength: width, withPad: " ", startingAt: 0) + "  \(read.rows) → \(written.rows)"
            }
        }
    }

    /// Copies the store at `sqlitePath` into the PostgreSQL database of `target`.
    /// - Throws: `StoreError` (file missing, not an mjbridge database, newer schema),
    ///   `DatabaseLockError.heldByAnother` (a bot runs on it; names its pid),
    ///   `PostgresStoreError.cannotConnect` (unreachable, wrong password: the server's words),
    ///   `.targetNotEmpty`, or `StoreCopyError.countsDiffer`.
    public static func copy(sqlitePath: String, to target: PostgresStoreConfiguration, logger: Logger) async throws -> Report {
        guard FileManager.default.fileExists(atPath: sqlitePath) else { throw StoreError.notFound(path: sqlitePath) }
        let lock = try DatabaseLock.acquire(forDatabaseAt: sqlitePath)
        defer { withExtendedLifetime(lock) {} }
        let snapshot = try await SQLiteStore.copyOfFile(at: sqlitePath).snapshot()
        let store = try await PostgresStore.open(target, logger: logger)
        do {
            try await store.importSnapshot(snapshot)
            let report = Report(source: snapshot.rowCounts, target: try await store.rowCounts())
            await store.close()
            guard report.source == report.target else { throw StoreCopyError.countsDiffer(report.lines) }
            return report
        } catch {
            await store.close()
            throw error
        }
    }
}

public enum StoreCopyError: Error, Equatable, CustomStringConvertible {
    /// What PostgreSQL holds after the commit is not what was read (never expected: the copy is
    /// one transaction into empty tables).
    case countsDiffer([String])

    public var description: String {
        switch self {
        case .countsDiffer(let lines):
            "the PostgreSQL store does not hold what was read (table  read → stored): " + lines.joined(separator: "; ")
        }
    }
}

extension StoreSnapshot {
    /// Rows per table, under the PostgreSQL table names (`PostgresStore.importedTables`).
    public var rowCounts: [StoreTableCount] {
        let counts: [String: Int] = [
            "task": tasks.count, "outbox": outbox.count, "intent": intents.count, "channel_setting": channelSettings.count,
            "meta": meta.count, "limit_usage": limitUsage.count, "limit_user": limitUsers.count,
            "quota_override": quotaOverrides.count, "job_reservation": jobReservations.count, "admin_account": admins.count,
            "ignore_entry": ignores.count, "pause_setting": pauses.count, "audit_entry": audit.count,
            "hosted_image": hostedImages.count, "owed_mirror": owedMirrors.count, "sts_policy": stsPolicies.count,
            "matrix_account": matrixSessions.count, "matrix_handled_event": matrixEventClaims.count,
            "matrix_encrypted_room_notice": matrixEncryptionNotices.count,
        ]
        precondition(Set(counts.keys) == Set(PostgresStore.importedTables), "StoreSnapshot.rowCounts misses a table")
        return PostgresStore.importedTables.map { StoreTableCount(table: $0, rows: counts[$0] ?? 0) }
    }
}
