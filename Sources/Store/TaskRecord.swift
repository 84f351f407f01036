import Foundation
import GRDB

/// One proxy task the bot started, with its route, the last state it heard and what it has
/// told the user so far. Status strings are the proxy's; the bridge decides their rank and
/// which are terminal, the store only keeps them.
public struct TaskRecord: Sendable, Hashable, Codable {
    /// The proxy task id.
    public var id: String
    public var network: String
    public var channel: String?
    public var nick: String
    public var account: String?
    /// The event results reply to (Matrix; `TaskRoute.replyTo`).
    public var replyTo: ReplyReference?
    public var scopeKey: String
    public var nickKey: String
    /// What the user asked for, in bridge terms (`imagine`, `niji`, `u2`, `zoom`, `describe`…).
    public var kind: String
    /// The proxy's `action` (`IMAGINE`, `UPSCALE`…), once known.
    public var action: String?
    public var prompt: String
    public var status: String
    /// Rank of `status` as the bridge orders them; a state never replaces a higher one.
    public var statusRank: Int
    /// 0–100 when known.
    public var progress: Int?
    /// No further state changes are expected (success, failure, cancel, our own timeout).
    public var isTerminal: Bool
    public var timedOut: Bool
    public var imageUrl: String?
    public var failReason: String?
    /// The proxy's `buttons` array as JSON, kept verbatim so customIds are sent back exactly.
    public var buttonsJSON: String?
    public var finalPrompt: String?
    /// The task whose button created this one.
    public var parentId: String?
    public var createdAt: Date
    public var updatedAt: Date
    /// Last time a callback or poll told us anything about this task.
    public var lastHeardAt: Date?
    public var deadline: Date
    public var finishedAt: Date?
    /// Progress notification throttle: when the last progress line was queued and for which
    /// level (percent, or 0 for "started").
    public var progressNotifiedAt: Date?
    public var progressNotifiedLevel: Int?
    /// Who the task counts for in the limits (`LimitIdentity`); nil for tasks from before them.
    public var userKey: String?

    public init(id: String, route: TaskRoute, kind: String, action: String? = nil, prompt: String,
                status: String, statusRank: Int, progress: Int? = nil, isTerminal: Bool = false,
                parentId: String? = nil, createdAt: Date, deadline: Date) {
        self.id = id
        self.network = route.network
        self.channel = route.channel
        self.nick = route.nick
        self.account = route.account
        self.replyTo = route.replyTo
        self.scopeKey = route.scopeKey
        self.nickKey = route.nickKey
        self.kind = kind
        self.action = action
        self.prompt = prompt
        self.status = status
        self.statusRank = statusRank
        self.progress = progress
        self.isTerminal = isTerminal
        self.timedOut = false
        self.parentId = parentId
        self.createdAt = createdAt
        self.updatedAt = createdAt
        self.lastHeardAt = nil
        self.deadline = deadline
    }

    public var route: TaskRoute {
        TaskRoute(network: network, channel: channel, nick: nick, account: account, replyTo: replyTo)
    }
}

extension TaskRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "task"
}
