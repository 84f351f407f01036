import Foundation
import GRDB

/// A services account an owner made an admin from chat (`!admin add`). Accounts are the same
/// on every network the bot is on, so the row names no network.
public struct AdminAccount: Sendable, Hashable, Codable {
    /// Folded (RFC 1459), the key.
    public var accountKey: String
    /// As the owner typed it.
    public var account: String
    /// Who added it: an account, or a mask for a hostmask owner.
    public var addedBy: String
    public var addedAt: Date

    public init(account: String, addedBy: String, addedAt: Date) {
        self.accountKey = TaskRoute.fold(account)
        self.account = account
        self.addedBy = addedBy
        self.addedAt = addedAt
    }
}

extension AdminAccount: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "adminAccount"
}
