import IRC

/// What an `IRCConnection` reports on its `events` stream, in order.
public enum IRCClientEvent: Sendable, Hashable {
    /// Opening connection number `attempt` (1 for the first, counting up across reconnects).
    case connecting(attempt: Int)
    /// TCP and, when enabled, TLS are up; registration starts.
    case connected
    /// 001 arrived; `nick` is the nick we got (maybe a fallback).
    case registered(nick: String)
    /// SASL (or the server) logged us in.
    case loggedIn(account: String)
    /// The server confirmed our JOIN (also after a reconnect or a rejoin after a kick).
    case joined(channel: String)
    /// We left a channel (our PART, or a server-side SAPART).
    case parted(channel: String)
    /// Someone kicked us; with `rejoinOnKick` a `.joined` follows after `rejoinDelay`.
    case kicked(channel: String, by: String, reason: String)
    /// Something happened that may let a line the server refused for `channel` (moderated,
    /// banned, not joined) through now: we joined it, were given a status (voice, op, …), or
    /// a mode was taken off it (-m, -b, …). Worth one more try; not a promise.
    case channelAccessChanged(channel: String)
    /// Our own nick changed after registration.
    case nickChanged(String)
    /// `by` invited us to `channel` (`account`: the inviter's account tag, when the server
    /// sent one). The client does not join by itself; see `channelStanding(of:in:)`.
    case invited(channel: String, by: Source, account: String?)
    /// A PRIVMSG or NOTICE for us or one of our channels (CTCP requests are answered and not shown).
    case message(IRCChatMessage)
    /// The consumer of `events` lagged `eventBacklogLimit` events behind and `count` chat
    /// messages were dropped meanwhile; sent just before the first chat message that gets
    /// through again, or when the connection ends.
    case chatDropped(count: Int)
    /// The connection ended; `reconnectIn` is nil when the client will not try again.
    case disconnected(reason: String, reconnectIn: Duration?)
    /// The client stopped for good (shutdown or a non-retryable error); the stream ends after this.
    case stopped
}

/// One chat line as the bridge needs it.
public struct IRCChatMessage: Sendable, Hashable {
    public enum Kind: Sendable, Hashable { case privmsg, notice }

    public var network: String
    public var kind: Kind
    public var sender: Source
    /// The target as the server sent it: a channel or our nick.
    public var target: String
    /// The channel, or nil for a private message to us.
    public var channel: String?
    public var text: String
    /// The sender's services account (IRCv3 `account-tag`), nil when not logged in or not known.
    public var account: String?
    /// All IRCv3 tags of the line (`time`, `msgid`, …).
    public var tags: [String: String]
    /// Whether `account` (nil included) is what the server says now: `account-tag` was ACKed,
    /// or `extended-join` and `account-notify` keep the client told about this nick. False =
    /// unknown; `IRCConnection.lookUpAccount` asks.
    public var accountVerified: Bool
    /// The network's CASEMAPPING when the line arrived.
    public var caseMapping: CaseMapping
    /// Our own nick when the line arrived (nil when not known), so a consumer can tell a
    /// line addressed to us (`mjbridge: help`) or from us without asking the client.
    public var ownNick: String?

    public var isPrivate: Bool { channel == nil }
    /// Where a reply goes: the channel, or the sender for a private message.
    public var replyTarget: String { channel ?? sender.nick }

    public init(network: String, kind: Kind, sender: Source, target: String, channel: String?, text: String, account: String?,
                tags: [String: String], accountVerified: Bool = false, caseMapping: CaseMapping = .rfc1459, ownNick: String? = nil) {
        self.ownNick = ownNick
        self.accountVerified = accountVerified
        self.caseMapping = caseMapping
        self.network = network
        self.kind = kind
        self.sender = sender
        self.target = target
        self.channel = channel
        self.text = text
        self.account = account
        self.tags = tags
    }
}
