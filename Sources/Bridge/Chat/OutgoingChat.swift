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

    public init(network: String, target: String, text: String, style: ChatStyle = .privmsg) {
        self.network = network
        self.target = target
        self.text = ChatText.wireSafe(text)
        self.style = style
    }
}
