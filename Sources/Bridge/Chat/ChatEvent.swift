import IRC
import Store

/// Where a chat line was said: in a channel, or privately to the bot.
public enum ChatTarget: Sendable, Hashable {
    case channel(String)
    case privateMessage

    public var channelName: String? {
        if case .channel(let name) = self { return name }
        return nil
    }
}

/// One line a person said, as any transport (IRC, the demo console, tests) hands it to the bridge.
public struct ChatEvent: Sendable, Hashable {
    public var network: String
    public var target: ChatTarget
    /// The sender's nick.
    public var sender: String
    /// The services account the network reports for the sender (IRCv3 `account-tag`), if any.
    /// Permissions are decided on this, never on the nick, which anyone can take.
    public var account: String?
    public var text: String
    /// True when the transport already knows the sender is an owner (e.g. the demo console).
    public var isFromOwner: Bool
    /// Whether the transport vouches for `account`, including a nil one meaning "not logged
    /// in": IRC sets it when the server ACKed `account-tag`, or `extended-join` and
    /// `account-notify` keep it told. False = unknown: an admin command looks the account up
    /// first (`ChatTransport.lookUpAccount`).
    public var accountVerified: Bool
    /// The sender's `user@host` as the server shows it (IRC), for hostmask owners and
    /// ignores and the identity of users without an account; nil when the transport has none.
    public var userHost: String?
    /// How the network folds nicks (ISUPPORT CASEMAPPING), for hostmask matching.
    public var caseMapping: CaseMapping
    /// The bot's own nick on this network when the line arrived, for the addressed form
    /// (`mjbridge: help`); nil disables that form.
    public var botNick: String?
    /// The event an answer replies to (Matrix: this line's event id, its thread, the sender's
    /// user id to mention); nil on IRC. Kept with the task's route for its results.
    public var replyTo: ReplyReference?

    public init(network: String, target: ChatTarget, sender: String, account: String? = nil,
                text: String, isFromOwner: Bool = false, botNick: String? = nil,
                accountVerified: Bool = true, userHost: String? = nil, caseMapping: CaseMapping = .rfc1459) {
        self.accountVerified = accountVerified
        self.userHost = userHost
        self.caseMapping = caseMapping
        self.network = network
        self.target = target
        self.sender = sender
        self.account = account
        self.text = text
        self.isFromOwner = isFromOwner
        self.botNick = botNick
    }
}
