import Foundation
import PostgresNIO
import Store

/// Matrix logins, /sync positions and claims, as `SQLiteStore+Matrix` keeps them. A claim is
/// an insert that does nothing on a conflict: of two processes claiming one event, the second
/// waits for the first to commit and is told it was taken.
extension PostgresStore {
    public func matrixSession(account: String) async throws -> MatrixSession? {
        let rows = try await query("""
            SELECT user_id, device_id, access_token, since FROM matrix_account WHERE account = \(account)
            """)
        return try rows.first.map { row in
            let (userID, deviceID, accessToken, since) = try row.decode((String?, String?, String?, String?).self)
            return MatrixSession(account: account, userID: userID, deviceID: deviceID, accessToken: accessToken, since: since)
        }
    }

    /// Keeps the login (the since token is left as it is).
    public func saveMatrixLogin(account: String, userID: String, deviceID: String, accessToken: String) async throws {
        try await query("""
            INSERT INTO matrix_account (account, user_id, device_id, access_token)
            VALUES (\(account), \(userID), \(deviceID), \(accessToken))
            ON CONFLICT (account) DO UPDATE SET user_id = excluded.user_id, device_id = excluded.device_id,
                access_token = excluded.access_token
            """)
    }

    public func commitMatrixSince(account: String, since: String) async throws {
        try await query("""
            INSERT INTO matrix_account (account, since) VALUES (\(account), \(since))
            ON CONFLICT (account) DO UPDATE SET since = excluded.since
            """)
    }

    public func claimMatrixEvent(_ eventID: String, account: String, at date: Date) async throws -> Bool {
        !(try await query("""
            INSERT INTO matrix_handled_event (event_id, account, at) VALUES (\(eventID), \(account), \(date))
            ON CONFLICT (event_id) DO NOTHING RETURNING 1
            """).isEmpty)
    }

    @discardableResult
    public func pruneMatrixEvents(before date: Date) async throws -> Int {
        try await query("""
            WITH gone AS (DELETE FROM matrix_handled_event WHERE at < \(date) RETURNING 1) SELECT count(*) FROM gone
            """)[0].decode(Int.self)
    }

    public func claimMatrixEncryptionNotice(account: String, roomID: String, at date: Date) async throws -> Bool {
        !(try await query("""
            INSERT INTO matrix_encrypted_room_notice (account, room_id, at) VALUES (\(account), \(roomID), \(date))
            ON CONFLICT (account, room_id) DO NOTHING RETURNING 1
            """).isEmpty)
    }
}
