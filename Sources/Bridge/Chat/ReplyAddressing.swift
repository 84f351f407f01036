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

    /// A word for the sender alone (always a notice, which is never answered). On IRC: a NOTICE
    /// to their nick. Where the transport gives the line an event to reply to (Matrix), there
    /// is no nick to send to and no private side channel short of opening a direct room, which
    /// a bot should not do uninvited: the notice goes into the same conversation as a reply to
    /// their line, mentioning them, as every other answer there does.
    public func privateNotice(to event: ChatEvent, _ text: String) -> OutgoingChat {
        if let replyTo = event.replyTo, let channel = event.target.channelName {
            return OutgoingChat(network: event.network, target: channel, text: "\(event.sender): \(text)", style: .notice,
                                replyTo: replyTo)
        }
        return OutgoingChat(network: event.network, target: event.sender, text: text, style: .notice)
    }

    public func reply(network: String, channel: String?, nick: String, _ text: String) -> OutgoingChat {
        if let channel {
            return OutgoingChat(network: network, target: channel, text: "\(nick): \(text)", style: style)
        }
        return OutgoingChat(network: network, target: nick, text: text, style: style)
    }
}
