import IRC

/// Keeps secrets out of trace logs of outgoing lines.
enum Redaction {
    static func loggable(_ message: Message) -> String {
        switch message.command {
        case "PASS", "AUTHENTICATE":
            return "\(message.command) <redacted>"
        case "PRIVMSG" where message.params.first?.lowercased() == "nickserv":
            return "PRIVMSG NickServ <redacted>"
        default:
            return message.serialized()
        }
    }
}
