import Foundation
import PostgresNIO
import Store

/// Channel settings and meta values, as `SQLiteStore` keeps them.
extension PostgresStore {
    public func channelSettings() async throws -> [ChannelSetting] {
        try await query("SELECT network, channel_key, body FROM channel_setting ORDER BY network, channel_key").map { row in
            let (network, key, body) = try row.decode((String, String, String).self)
            return try RecordJSON.decode(ChannelSetting.self, from: body, table: "channel_setting", key: "\(network) \(key)")
        }
    }

    /// Several processes: a blank row is inserted first if there is none (`ON CONFLICT DO
    /// NOTHING` waits for another process inserting the same one), then the row is read
    /// `FOR UPDATE`; so two owners changing one channel from two processes at once both have
    /// their change kept (e.g. `!progress` on one, `!join` on the other), none overwrites the
    /// other with a value read before it.
    @discardableResult
    public func updateChannelSetting(network: String, channel: String, at date: Date,
                                     _ body: @escaping @Sendable (inout ChannelSetting) -> Void) async throws -> ChannelSetting {
        try await transaction { connection in
            let logger = self.logger
            let key = TaskRoute.fold(channel)
            let blank = try RecordJSON.encode(ChannelSetting(network: network, channel: channel, updatedAt: date))
            let insertedBlank = !(try await connection.rows("""
                INSERT INTO channel_setting (network, channel_key, body) VALUES (\(network), \(key), \(blank))
                ON CONFLICT (network, channel_key) DO NOTHING RETURNING 1
                """, logger: logger)).isEmpty
            let text = try await connection.rows("""
                SELECT body FROM channel_setting WHERE network = \(network) AND channel_key = \(key) FOR UPDATE
                """, logger: logger)[0].decode(String.self)
            var setting = try RecordJSON.decode(ChannelSetting.self, from: text, table: "channel_setting", key: "\(network) \(key)")
            body(&setting)
            setting.channel = channel
            setting.channelKey = key
            setting.updatedAt = date
            let updated = try RecordJSON.encode(setting)
            try await connection.rows("""
                INSERT INTO channel_setting (network, channel_key, body) VALUES (\(setting.network), \(key), \(updated))
                ON CONFLICT (network, channel_key) DO UPDATE SET body = excluded.body
                """, logger: logger)
            // A `body` that moved the setting to another network (SQLite saves it under its new
            // key): the blank row made above was never there.
            if setting.network != network && insertedBlank {
                try await connection.rows("DELETE FROM channel_setting WHERE network = \(network) AND channel_key = \(key)",
                                          logger: logger)
            }
            return setting
        }
    }

    public func metaValue(forKey key: String) async throws -> String? {
        try await query("SELECT value FROM meta WHERE key = \(key)").first?.decode(String.self)
    }

    public func setMetaValue(_ value: String, forKey key: String) async throws {
        try await query("INSERT INTO meta (key, value) VALUES (\(key), \(value)) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
    }

    /// Several processes may start together and each generate a value (the callback secret):
    /// `ON CONFLICT DO NOTHING` keeps the first committed one, and all of them return it.
    public func metaValue(forKey key: String, orInsert make: @escaping @Sendable () -> String) async throws -> String {
        if let existing = try await metaValue(forKey: key) { return existing }
        let made = make()
        return try await transaction { connection in
            try await connection.rows("INSERT INTO meta (key, value) VALUES (\(key), \(made)) ON CONFLICT (key) DO NOTHING",
                                      logger: self.logger)
            return try await connection.rows("SELECT value FROM meta WHERE key = \(key)", logger: self.logger)[0].decode(String.self)
        }
    }
}
