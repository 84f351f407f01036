import Foundation
import GRDB

/// A submission the bot is about to make, written before the proxy is asked: who asked, where,
/// and what. Its id travels in the task's signed `state`, so a job the proxy accepted but the
/// bot never recorded (a crash, a lost answer) can be found again — by a callback, or by asking
/// the proxy's task list — and, when it cannot be found, the user is told instead of left
/// waiting for nothing.
public struct IntentRecord: Sendable, Hashable, Codable {
    /// Random, short; it is not a secret (the `state` carrying it is signed), only unique.
    public var id: String
    public var network: String
    public var channel: String?
    public var nick: String
    public var account: String?
    /// The event results reply to (Matrix; `TaskRoute.replyTo`).
    public var replyTo: ReplyReference?
    /// Who the job counts for in the limits (`LimitIdentity`).
    public var userKey: String?
    /// The command kind in bridge terms (`imagine`, `u2`, `describe`…).
    public var kind: String
    /// The prompt as the task row would store it, cut to `IntentRecord.promptLimit`.
    public var prompt: String
    /// The task whose button this submission presses.
    public var parentId: String?
    public var createdAt: Date
    /// The proxy task ids the submission became, comma-separated, once accepted.
    public var taskIds: String?
    public var state: IntentState
    /// When the intent stopped being open (accepted, refused, lost); retention counts from it.
    public var closedAt: Date?

    /// Longest prompt kept: enough to name the job in a sentence.
    public static let promptLimit = 300

    public init(id: String, route: TaskRoute, userKey: String? = nil, kind: String, prompt: String, parentId: String? = nil,
                createdAt: Date) {
        self.id = id
        self.network = route.network
        self.channel = route.channel
        self.nick = route.nick
        self.account = route.account
        self.replyTo = route.replyTo
        self.userKey = userKey
        self.kind = kind
        self.prompt = prompt.count > Self.promptLimit ? String(prompt.prefix(Self.promptLimit)) : prompt
        self.parentId = parentId
        self.createdAt = createdAt
        self.taskIds = nil
        self.state = .open
        self.closedAt = nil
    }

    public var route: TaskRoute {
        TaskRoute(network: network, channel: channel, nick: nick, account: account, replyTo: replyTo)
    }

    /// The accepted task ids, in the order they were recorded.
    public var acceptedTaskIds: [String] {
        (taskIds ?? "").split(separator: ",").map(String.init)
    }
}

/// Where an intent stands.
public enum IntentState: String, Sendable, Hashable, Codable {
    /// Written, not yet known to have become a task (the submit is in flight, or its answer
    /// was ambiguous, or the bot died meanwhile).
    case open
    /// The proxy accepted it; its task rows exist (`taskIds`).
    case accepted
    /// The proxy refused it, or the request provably never reached it.
    case refused
    /// Not found again within the grace period; the user was told.
    case lost
}

extension IntentRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "intent"
}

/// Stored as its raw text, which the store's SQL compares against.
extension IntentState: DatabaseValueConvertible {}
