import Foundation
import Logging
import PostgresNIO
import Store

/// How many rows one table holds (`migrate-store` prints them, read back after the commit).
public struct StoreTableCount: Sendable, Hashable, CustomStringConvertible {
    public var table: String
    public var rows: Int

    public init(table: String, rows: Int) {
        self.table = table
        self.rows = rows
    }

    public var description: String { "\(table): \(rows)" }
}

/// Filling an empty PostgreSQL store with everything a SQLite store held (`mjbridge migrate-store`).
extension PostgresStore {
    /// The tables `importSnapshot` writes, in the order they are written and reported. The
    /// ownership tables (pg-own) are left out: they describe running processes, not data.
    public static let importedTables = [
        "task", "outbox", "intent", "channel_setting", "meta", "limit_usage", "limit_user", "quota_override",
        "job_reservation", "admin_account", "ignore_entry", "pause_setting", "audit_entry", "hosted_image",
        "owed_mirror", "sts_policy", "matrix_account", "matrix_handled_event", "matrix_encrypted_room_notice",
    ]

    /// Writes every row of `snapshot`, ids included, in ONE transaction: the copy is all there
    /// or not at all. The tables are locked against writers first (`EXCLUSIVE`: reads go on)
    /// and must be empty, so nothing already there is overwritten or mixed with the copy (a
    /// bot already running on this database would have made its own callback secret). The id
    /// sequences continue above the highest id the SQLite store ever handed out.
    /// - Throws: `PostgresStoreError.targetNotEmpty` naming the tables that hold rows.
    public func importSnapshot(_ snapshot: StoreSnapshot) async throws {
        let logger = self.logger
        try await transaction { connection in
            // A large history takes longer than the 60 s every statement of the bot may
            // (PostgresStoreConfiguration.timeouts): the one-off copy lifts it for itself.
            try await connection.rows("SET LOCAL statement_timeout = 0", logger: logger)
            try await connection.rows(PostgresQuery(unsafeSQL: "LOCK TABLE \(Self.importedTables.joined(separator: ", ")) IN EXCLUSIVE MODE"),
                                      logger: logger)
            let occupied = try await Self.rowCounts(connection, logger: logger).filter { $0.rows > 0 }
            guard occupied.isEmpty else { throw PostgresStoreError.targetNotEmpty(occupied) }
            try await Self.insertTasks(snapshot.tasks, connection, logger: logger)
            try await Self.insertRows(snapshot.outbox, into: "outbox", columns: [
                "id", "network", "task_id", "is_progress", "created_at", "sent_at", "confirmed_offset", "attempts",
                "held_since", "held_reason", "dead_lettered_at", "dead_letter_reason", "body",
            ], overridingIdentity: true, connection, logger: logger) { line, bindings in
                var queued = line
                queued.id = nil
                bindings.append(line.id ?? 0)
                bindings.append(line.network)
                bindings.append(line.taskId)
                bindings.append(line.isProgress)
                bindings.append(line.createdAt)
                bindings.append(line.sentAt)
                bindings.append(line.confirmedOffset)
                bindings.append(line.attempts)
                bindings.append(line.heldSince)
                bindings.append(line.heldReason)
                bindings.append(line.deadLetteredAt)
                bindings.append(line.deadLetterReason)
                bindings.append(try RecordJSON.encode(queued))
            }
            try await Self.insertRows(snapshot.intents, into: "intent", columns: ["id", "state", "created_at", "closed_at", "body"],
                                      connection, logger: logger) { intent, bindings in
                bindings.append(intent.id)
                bindings.append(intent.state.rawValue)
                bindings.append(intent.createdAt)
                bindings.append(intent.closedAt)
                bindings.append(try RecordJSON.encode(intent))
            }
            try await Self.insertRows(snapshot.channelSettings, into: "channel_setting", columns: ["network", "channel_key", "body"],
                                      connection, logger: logger) { setting, bindings in
                bindings.append(setting.network)
                bindings.append(setting.channelKey)
                bindings.append(try RecordJSON.encode(setting))
            }
            try await Self.insertRows(snapshot.meta, into: "meta", columns: ["key", "value"], connection, logger: logger) { meta, bindings in
                bindings.append(meta.key)
                bindings.append(meta.value)
            }
            try await Self.insertRows(snapshot.limitUsage, into: "limit_usage", columns: ["identity", "day", "jobs"],
                                      connection, logger: logger) { usage, bindings in
                bindings.append(usage.identity)
                bindings.append(usage.day)
                bindings.append(usage.jobs)
            }
            try await Self.insertRows(snapshot.limitUsers, into: "limit_user",
                                      columns: ["identity", "last_nick", "last_nick_key", "last_submission_at"],
                                      connection, logger: logger) { user, bindings in
                bindings.append(user.identity)
                bindings.append(user.lastNick)
                bindings.append(user.lastNickKey)
                bindings.append(user.lastSubmissionAt)
            }
            try await Self.insertRows(snapshot.quotaOverrides, into: "quota_override",
                                      columns: ["identity", "day", "daily_limit", "updated_at"],
                                      connection, logger: logger) { override, bindings in
                bindings.append(override.identity)
                bindings.append(override.day)
                bindings.append(override.dailyLimit)
                bindings.append(override.updatedAt)
            }
            try await Self.insertRows(snapshot.jobReservations, into: "job_reservation",
                                      columns: ["id", "identity", "scope_key", "day", "created_at", "previous_submission_at"],
                                      overridingIdentity: true, connection, logger: logger) { reservation, bindings in
                bindings.append(reservation.id)
                bindings.append(reservation.identity)
                bindings.append(reservation.scopeKey)
                bindings.append(reservation.day)
                bindings.append(reservation.createdAt)
                bindings.append(reservation.previousSubmissionAt)
            }
            try await Self.insertRows(snapshot.admins, into: "admin_account", columns: ["account_key", "added_at", "body"],
                                      connection, logger: logger) { admin, bindings in
                bindings.append(admin.accountKey)
                bindings.append(admin.addedAt)
                bindings.append(try RecordJSON.encode(admin))
            }
            try await Self.insertRows(snapshot.ignores, into: "ignore_entry", columns: ["key", "added_at", "body"],
                                      connection, logger: logger) { entry, bindings in
                bindings.append(entry.key)
                bindings.append(entry.addedAt)
                bindings.append(try RecordJSON.encode(entry))
            }
            try await Self.insertRows(snapshot.pauses, into: "pause_setting", columns: ["network", "channel_key", "paused_at", "body"],
                                      connection, logger: logger) { pause, bindings in
                bindings.append(pause.network)
                bindings.append(pause.channelKey)
                bindings.append(pause.pausedAt)
                bindings.append(try RecordJSON.encode(pause))
            }
            try await Self.insertRows(snapshot.audit, into: "audit_entry", columns: ["id", "at", "body"],
                                      overridingIdentity: true, connection, logger: logger) { entry, bindings in
                var stored = entry
                stored.id = nil // the body is kept without it, as `appendAudit` does
                bindings.append(entry.id ?? 0)
                bindings.append(entry.at)
                bindings.append(try RecordJSON.encode(stored))
            }
            try await Self.insertRows(snapshot.hostedImages, into: "hosted_image",
                                      columns: ["name", "task_id", "image_index", "created_at", "removed_at", "body"],
                                      connection, logger: logger) { image, bindings in
                bindings.append(image.name)
                bindings.append(image.taskId)
                bindings.append(image.imageIndex)
                bindings.append(image.createdAt)
                bindings.append(image.removedAt)
                bindings.append(try RecordJSON.encode(image))
            }
            try await Self.insertRows(snapshot.owedMirrors, into: "owed_mirror", columns: ["task_id", "next_attempt_at", "body"],
                                      connection, logger: logger) { owed, bindings in
                bindings.append(owed.taskId)
                bindings.append(owed.nextAttemptAt)
                bindings.append(try RecordJSON.encode(owed))
            }
            try await Self.insertRows(snapshot.stsPolicies, into: "sts_policy", columns: ["host", "body"],
                                      connection, logger: logger) { policy, bindings in
                bindings.append(policy.host)
                bindings.append(try RecordJSON.encode(policy))
            }
            try await Self.insertRows(snapshot.matrixSessions, into: "matrix_account",
                                      columns: ["account", "user_id", "device_id", "access_token", "since"],
                                      connection, logger: logger) { session, bindings in
                bindings.append(session.account)
                bindings.append(session.userID)
                bindings.append(session.deviceID)
                bindings.append(session.accessToken)
                bindings.append(session.since)
            }
            try await Self.insertRows(snapshot.matrixEventClaims, into: "matrix_handled_event", columns: ["event_id", "account", "at"],
                                      connection, logger: logger) { claim, bindings in
                bindings.append(claim.eventID)
                bindings.append(claim.account)
                bindings.append(claim.at)
            }
            try await Self.insertRows(snapshot.matrixEncryptionNotices, into: "matrix_encrypted_room_notice",
                                      columns: ["account", "room_id", "at"], connection, logger: logger) { notice, bindings in
                bindings.append(notice.account)
                bindings.append(notice.roomID)
                bindings.append(notice.at)
            }
            // New ids continue above every id SQLite handed out (also those of pruned rows).
            for (table, highWater) in [("outbox", snapshot.idHighWater.outbox), ("audit_entry", snapshot.idHighWater.audit),
                                       ("job_reservation", snapshot.idHighWater.jobReservation)] where highWater > 0 {
                try await connection.rows("SELECT setval(pg_get_serial_sequence(\(table), 'id'), \(highWater), true)",
                                          logger: logger)
            }
        }
    }

    /// The rows of every table `importSnapshot` writes, read in one statement.
    public func rowCounts() async throws -> [StoreTableCount] {
        let logger = self.logger
        return try await withLease { connection in
            try await Self.rowCounts(connection, logger: logger)
        }
    }

    static func rowCounts(_ connection: PostgresConnection, logger: Logger) async throws -> [StoreTableCount] {
        let sql = importedTables.map { "SELECT '\($0)', count(*) FROM \($0)" }.joined(separator: " UNION ALL ")
        let counted = try await connection.rows(PostgresQuery(unsafeSQL: sql), logger: logger).map { row in
            let (table, rows) = try row.decode((String, Int).self)
            return StoreTableCount(table: table, rows: rows)
        }
        let byTable = Dictionary(counted.map { ($0.table, $0.rows) }, uniquingKeysWith: { first, _ in first })
        return importedTables.map { StoreTableCount(table: $0, rows: byTable[$0] ?? 0) }
    }

    /// Multi-row inserts of 500 rows a statement; `bind` appends one value per column.
    /// `overridingIdentity`: the rows bring their ids (the outbox's is `GENERATED ALWAYS`).
    static func insertRows<Item>(_ items: [Item], into table: String, columns: [String], overridingIdentity: Bool = false,
                                 _ connection: PostgresConnection, logger: Logger,
                                 bind: (Item, inout PostgresBindings) throws -> Void) async throws {
        var start = items.startIndex
        while start < items.endIndex {
            let chunk = items[start..<min(start + 500, items.endIndex)]
            var bindings = PostgresBindings(capacity: chunk.count * columns.count)
            var tuples: [String] = []
            for item in chunk {
                let first = bindings.count + 1
                try bind(item, &bindings)
                precondition(bindings.count - first + 1 == columns.count, "\(table): a row bound the wrong number of values")
                tuples.append("(" + (first...bindings.count).map { "$\($0)" }.joined(separator: ", ") + ")")
            }
            let overriding = overridingIdentity ? " OVERRIDING SYSTEM VALUE" : ""
            try await connection.rows(PostgresQuery(unsafeSQL: """
                INSERT INTO \(table) (\(columns.joined(separator: ", ")))\(overriding) VALUES \(tuples.joined(separator: ", "))
                """, binds: bindings), logger: logger)
            start = chunk.endIndex
        }
    }
}
