import Foundation
import GRDB

/// Someone the bot does not answer (`!ignore`): an account or a `nick!user@host` mask.
public struct IgnoreEntry: Sendable, Hashable, Codable {
    /// `account:<folded>` or `mask:<folded>`, the key (see `RoleResolver.Entry.key`).
    public var key: String
    /// The account or the full mask, as stored and shown.
    public var value: String
    public var reason: String?
    public var addedBy: String
    public var addedAt: Date

    public init(key: String, value: String, reason: String?, addedBy: String, addedAt: Date) {
        self.key = key
        self.value = value
        self.reason = reason
        self.addedBy = addedBy
        self.addedAt = addedAt
    }
}

extension IgnoreEntry: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "ignoreEntry"
}
