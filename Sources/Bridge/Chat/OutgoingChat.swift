import Store

/// How a line is sent: as an ordinary message or as a NOTICE (which bots use so that other
/// bots never answer them).
public enum ChatStyle: String, Sendable, Hashable, Codable {
    case privmsg
    case notice
}

/// One line for a transport to put on the wire.
public struct OutgoingChat: Sendable, Hashable {
    public var network: String
    /// A channel name or a nick.
    public var target: String
    /// Free of every C0 control (CR, LF, NUL, the CTCP marker `\u{1}`…) and DEL: the
    /// initializer removes them, whatever the text was built from. May be longer than one IRC
    /// line; the transport splits it.
    public var text: String
    public var style: ChatStyle
    /// The event this line replies to (transports that thread replies: Matrix); IRC ignores it.
    public var replyTo: ReplyReference?
    /// The outbox line this is, when it is owed (`deliver`): its id keys the Matrix
    /// transaction id, so a resend after a crash or timeout creates no second event.
    public var outboxLineID: Int64?
    /// The task an owed line belongs to: the Matrix transport posts a result's image before its line.
    public var taskId: String?

    public init(network: String, target: String, text: String, style: ChatStyle = .privmsg,
                replyTo: ReplyReference? = nil, outboxLineID: Int64? = nil, taskId: String? = nil) {
        self.replyTo = replyTo
        self.outboxLineID = outboxLineID
        self.taskId = taskId
        self.network = network
        self.target = target
        self.text = ChatText.wireSafe(text)
        self.style = style
    }
}
