/// Who an answer goes to and how: in a channel it is said in the channel and starts with the
/// caller's nick; in private it goes back to the caller.
public struct ReplyAddressing: Sendable, Hashable {
    public var style: ChatStyle

    public init(style: ChatStyle = .privmsg) {
        self.style = style
    }

    public func reply(to event: ChatEvent, _ text: String) -> OutgoingChat {
        var line = reply(network: event.network, channel: event.target.channelName, nick: event.sender, text)
        line.replyTo = event.replyTo
        return line
    }

    public func reply(network: String, channel: String?, nick: String, _ text: String) -> OutgoingChat {
        if let channel {
            return OutgoingChat(network: network, target: channel, text: "\(nick): \(text)", style: style)
        }
        return OutgoingChat(network: network, target: nick, text: text, style: style)
    }
}
