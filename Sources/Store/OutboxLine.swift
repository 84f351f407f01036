import Foundation
import GRDB

/// A line the bot owes someone. Written in the same transaction as the state change that
/// caused it and marked sent only once the server confirmed it (piece by piece: a reply cut
/// off resumes at `confirmedOffset`), so a result is said once even across crashes and
/// restarts. A line its target keeps refusing is held, then dead-lettered (kept, never sent).
public struct OutboxLine: Sendable, Hashable, Codable {
    public var id: Int64?
    public var network: String
    /// Channel name or nick.
    public var target: String
    /// Case-folded channel when `target` is a channel: such lines wait while the bot is not in it.
    public var channelKey: String?
    public var text: String
    /// `privmsg` or `notice`.
    public var style: String
    public var taskId: String?
    /// A progress report: worth saying only until something newer about the same task is
    /// queued. A line held back (bot not in the channel, connection down) is then skipped.
    public var isProgress: Bool
    public var createdAt: Date
    /// When the server confirmed the whole line (or a newer line superseded this progress line).
    public var sentAt: Date?
    /// UTF-8 offset into `text` up to which pieces were confirmed: the next attempt starts here.
    public var confirmedOffset: Int
    /// How often the network refused it (ERR_CANNOTSENDTOCHAN, no such nick…).
    public var attempts: Int
    /// Since when it waits for its target (refused, or the bot not in the channel); nil = not held.
    public var heldSince: Date?
    /// Why it is held (the server's words or the bot's); untrusted text.
    public var heldReason: String?
    /// When it was given up on: never sent, kept for `!pending` and the log.
    public var deadLetteredAt: Date?
    public var deadLetterReason: String?
    /// The event this line replies to (Matrix; `TaskRoute.replyTo`).
    public var replyTo: ReplyReference?

    public init(network: String, target: String, isChannel: Bool, text: String, style: String,
                taskId: String? = nil, isProgress: Bool = false, createdAt: Date, replyTo: ReplyReference? = nil) {
        self.replyTo = replyTo
        self.id = nil
        self.network = network
        self.target = target
        self.channelKey = isChannel ? TaskRoute.fold(target) : nil
        self.text = text
        self.style = style
        self.taskId = taskId
        self.isProgress = isProgress
        self.createdAt = createdAt
        self.sentAt = nil
        self.confirmedOffset = 0
        self.attempts = 0
    }
}

extension OutboxLine: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "outbox"

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
