import Foundation
import GRDB

extension SQLiteStore {
    public func matrixSession(account: String) async throws -> MatrixSession? {
        try await writer.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM matrixAccount WHERE account = ?", arguments: [account]).map { row in
                MatrixSession(account: row["account"], userID: row["userID"], deviceID: row["deviceID"],
                              accessToken: row["accessToken"], since: row["since"])
            }
        }
    }

    public func saveMatrixLogin(account: String, userID: String, deviceID: String, accessToken: String) async throws {
        try await writer.write { db in
            try db.execute(sql: """
                INSERT INTO matrixAccount(account, userID, deviceID, accessToken) VALUES(?, ?, ?, ?)
                ON CONFLICT(account) DO UPDATE SET userID = excluded.userID, deviceID = excluded.deviceID,
                    accessToken = excluded.accessToken
                """, arguments: [account, userID, deviceID, accessToken])
        }
    }

    public func commitMatrixSince(account: String, since: String) async throws {
        try await writer.write { db in
            try db.execute(sql: """
                INSERT INTO matrixAccount(account, since) VALUES(?, ?)
                ON CONFLICT(account) DO UPDATE SET since = excluded.since
                """, arguments: [account, since])
        }
    }

    public func claimMatrixEvent(_ eventID: String, account: String, at date: Date) async throws -> Bool {
        try await writer.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO matrixHandledEvent(eventID, account, at) VALUES(?, ?, ?)",
                           arguments: [eventID, account, date])
            return db.changesCount > 0
        }
    }

    @discardableResult
    public func pruneMatrixEvents(before date: Date) async throws -> Int {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM matrixHandledEvent WHERE at < ?", arguments: [date])
            return db.changesCount
        }
    }

    public func claimMatrixEncryptionNotice(account: String, roomID: String, at date: Date) async throws -> Bool {
        try await writer.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO matrixEncryptedRoomNotice(account, roomID, at) VALUES(?, ?, ?)",
                           arguments: [account, roomID, date])
            return db.changesCount > 0
        }
    }
}
