import Foundation
import GRDB

/// One admin action, allowed or not: who (account and mask), what, on what, when, and how it
/// ended. Written for every admin command, including refused attempts.
public struct AuditEntry: Sendable, Hashable, Codable {
    public var id: Int64?
    /// The sender's services account when known.
    public var account: String?
    /// `nick!user@host` (or the nick alone where the transport has no host).
    public var mask: String
    public var network: String
    /// Where it was said: a channel, or nil in private.
    public var channel: String?
    /// The command's canonical name (`pause`, `admin add`).
    public var command: String
    /// What it acted on (`#art`, an account, a mask, a task id), if anything.
    public var target: String?
    /// `ok`, `refused: …`, `failed: …`, `no change`.
    public var outcome: String
    public var at: Date

    public init(account: String?, mask: String, network: String, channel: String?, command: String, target: String?,
                outcome: String, at: Date) {
        self.account = account
        self.mask = mask
        self.network = network
        self.channel = channel
        self.command = command
        self.target = target
        self.outcome = outcome
        self.at = at
    }
}

extension AuditEntry: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "auditEntry"

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
