import Foundation
import GRDB

/// Reading a whole database file for `mjbridge migrate-store`.
extension SQLiteStore {
    /// The tables a snapshot reads (every table of the schema but GRDB's own): a migration
    /// that adds a table must add it to `snapshot()` too, or copies would leave it behind
    /// (`copyOfFile(at:)` refuses a database with a table not in this list).
    static let snapshotTables: Set<String> = [
        "task", "outbox", "intent", "channelSetting", "meta", "limitUsage", "limitUser", "quotaOverride",
        "jobReservation", "adminAccount", "ignoreEntry", "pauseSetting", "auditEntry", "hostedImage", "owedMirror",
        "stsPolicy", "matrixAccount", "matrixHandledEvent", "matrixEncryptedRoomNotice",
    ]

    /// A private in-memory copy of the database file at `path`, migrated to this version's schema.
    ///
    /// The file itself is only read (opened read-only, copied with SQLite's backup API): moving
    /// off a database must not change it, so the operator can go back to it as it was, and a
    /// file of an older version is migrated in the copy, not in place.
    /// - Throws: `StoreError.notFound`, `.notABotDatabase` (not SQLite, or no mjbridge schema),
    ///   `.newerSchema` (a newer mjbridge migrated it), `.unknownTables`, `.cannotOpen`.
    public static func copyOfFile(at path: String) throws -> SQLiteStore {
        guard FileManager.default.fileExists(atPath: path) else { throw StoreError.notFound(path: path) }
        let memory = try DatabaseQueue()
        do {
            var configuration = Configuration()
            configuration.readonly = true
            configuration.busyMode = .timeout(5)
            let file = try DatabaseQueue(path: path, configuration: configuration)
            let applied = try file.read { db in try StoreMigrations.migrator.appliedIdentifiers(db) }
            let known = StoreMigrations.migrator.migrations
            guard let first = known.first, applied.contains(first) else {
                throw StoreError.notABotDatabase(path: path, reason: "it holds no mjbridge schema")
            }
            let unknown = applied.subtracting(known).sorted()
            guard unknown.isEmpty else { throw StoreError.newerSchema(path: path, unknownMigrations: unknown) }
            try file.backup(to: memory)
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw StoreError.notABotDatabase(path: path, reason: "not a SQLite database")
        } catch {
            throw StoreError.cannotOpen(path: path, reason: "\(error)")
        }
        let store = try SQLiteStore(writer: memory)
        let tables = try memory.read { db in
            try String.fetchAll(db, sql: """
                SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'grdb_migrations'
                """)
        }
        let left = Set(tables).subtracting(snapshotTables).sorted()
        guard left.isEmpty else { throw StoreError.unknownTables(path: path, tables: left) }
        return store
    }

    /// Every row of every table, read in one transaction (one moment of the database).
    public func snapshot() async throws -> StoreSnapshot {
        try await writer.read { db in
            var snapshot = StoreSnapshot()
            snapshot.tasks = try TaskRecord.order(Column("createdAt"), Column("id")).fetchAll(db)
            snapshot.outbox = try OutboxLine.order(Column("id")).fetchAll(db)
            snapshot.intents = try IntentRecord.order(Column("createdAt"), Column("id")).fetchAll(db)
            snapshot.channelSettings = try ChannelSetting.order(Column("network"), Column("channelKey")).fetchAll(db)
            snapshot.meta = try Row.fetchAll(db, sql: "SELECT key, value FROM meta ORDER BY key").map {
                StoreSnapshot.MetaValue(key: $0["key"], value: $0["value"])
            }
            snapshot.limitUsage = try Row.fetchAll(db, sql: "SELECT * FROM limitUsage ORDER BY identity, day").map {
                StoreSnapshot.LimitUsage(identity: $0["identity"], day: $0["day"], jobs: $0["jobs"])
            }
            snapshot.limitUsers = try Row.fetchAll(db, sql: "SELECT * FROM limitUser ORDER BY identity").map {
                StoreSnapshot.LimitUser(identity: $0["identity"], lastNick: $0["lastNick"], lastNickKey: $0["lastNickKey"],
                                        lastSubmissionAt: $0["lastSubmissionAt"])
            }
            snapshot.quotaOverrides = try Row.fetchAll(db, sql: "SELECT * FROM quotaOverride ORDER BY identity, day").map {
                StoreSnapshot.QuotaOverride(identity: $0["identity"], day: $0["day"], dailyLimit: $0["dailyLimit"],
                                            updatedAt: $0["updatedAt"])
            }
            snapshot.jobReservations = try Row.fetchAll(db, sql: "SELECT * FROM jobReservation ORDER BY id").map {
                StoreSnapshot.Reservation(id: $0["id"], identity: $0["identity"], scopeKey: $0["scopeKey"], day: $0["day"],
                                          createdAt: $0["createdAt"], previousSubmissionAt: $0["previousSubmissionAt"])
            }
            snapshot.admins = try AdminAccount.order(Column("accountKey")).fetchAll(db)
            snapshot.ignores = try IgnoreEntry.order(Column("key")).fetchAll(db)
            snapshot.pauses = try PauseSetting.order(Column("network"), Column("channelKey")).fetchAll(db)
            snapshot.audit = try AuditEntry.order(Column("id")).fetchAll(db)
            snapshot.hostedImages = try HostedImageRecord.order(Column("name")).fetchAll(db)
            snapshot.owedMirrors = try OwedMirrorRecord.order(Column("taskId")).fetchAll(db)
            snapshot.stsPolicies = try STSPolicyRecord.order(Column("host")).fetchAll(db)
            snapshot.matrixSessions = try Row.fetchAll(db, sql: "SELECT * FROM matrixAccount ORDER BY account").map {
                MatrixSession(account: $0["account"], userID: $0["userID"], deviceID: $0["deviceID"],
                              accessToken: $0["accessToken"], since: $0["since"])
            }
            snapshot.matrixEventClaims = try Row.fetchAll(db, sql: "SELECT * FROM matrixHandledEvent ORDER BY eventID").map {
                StoreSnapshot.MatrixEventClaim(eventID: $0["eventID"], account: $0["account"], at: $0["at"])
            }
            snapshot.matrixEncryptionNotices = try Row.fetchAll(db, sql: """
                SELECT * FROM matrixEncryptedRoomNotice ORDER BY account, roomID
                """).map {
                StoreSnapshot.MatrixEncryptionNotice(account: $0["account"], roomID: $0["roomID"], at: $0["at"])
            }
            // AUTOINCREMENT's high-water marks; the largest id present counts too (a row
            // inserted with an explicit id does not always move the sequence).
            let sequences = Dictionary(try Row.fetchAll(db, sql: "SELECT name, seq FROM sqlite_sequence").map {
                (($0["name"] as String), ($0["seq"] as Int64))
            }, uniquingKeysWith: max)
            snapshot.idHighWater = StoreSnapshot.IdHighWater(
                outbox: max(sequences["outbox"] ?? 0, snapshot.outbox.compactMap(\.id).max() ?? 0),
                audit: max(sequences["auditEntry"] ?? 0, snapshot.audit.compactMap(\.id).max() ?? 0),
                jobReservation: max(sequences["jobReservation"] ?? 0, snapshot.jobReservations.map(\.id).max() ?? 0))
            return snapshot
        }
    }
}
