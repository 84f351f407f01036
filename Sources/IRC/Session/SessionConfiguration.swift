/// What `IRCSessionStateMachine` needs from the network's settings.
public struct SessionConfiguration: Sendable, Hashable {
    /// The nick we want; on a fallback nick the machine asks for it every `nickRegainInterval`.
    public var nick: String
    /// The configured channels, wanted from the start.
    public var channels: [WantedChannel]
    /// After a kick, JOIN again after `rejoinDelay`.
    public var rejoinOnKick: Bool
    public var rejoinDelay: Duration
    /// Nil or zero: never ask for the configured nick again; otherwise at least every 0.1 s.
    public var nickRegainInterval: Duration?
    /// A refused JOIN (471/473/474/475) is retried after `rejoinDelay`, doubling up to this.
    public var joinRetryMaximum: Duration

    public init(nick: String, channels: [WantedChannel] = [], rejoinOnKick: Bool = true, rejoinDelay: Duration = .seconds(10),
                nickRegainInterval: Duration? = .seconds(60), joinRetryMaximum: Duration = .seconds(600)) {
        self.nick = nick
        self.channels = channels
        self.rejoinOnKick = rejoinOnKick
        self.rejoinDelay = rejoinDelay
        self.nickRegainInterval = nickRegainInterval
        self.joinRetryMaximum = joinRetryMaximum
    }
}
