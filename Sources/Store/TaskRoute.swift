/// Where a task's results go: the network, the channel it was asked in (nil for a private
/// message) and who asked.
public struct TaskRoute: Sendable, Hashable, Codable {
    public var network: String
    public var channel: String?
    public var nick: String
    public var account: String?

    public init(network: String, channel: String?, nick: String, account: String? = nil) {
        self.network = network
        self.channel = channel
        self.nick = nick
        self.account = account
    }

    /// The conversation short references are unique within: a channel, or the private
    /// conversation with one nick. Case-folded the RFC 1459 way.
    public var scopeKey: String {
        if let channel { return "\(network)\u{1}\(Self.fold(channel))" }
        return "\(network)\u{1}~\(Self.fold(nick))"
    }

    public var nickKey: String { Self.fold(nick) }
    public var channelKey: String? { channel.map(Self.fold) }

    /// RFC 1459 case mapping (`[]\~` are the upper case of `{}|^`), the default of most networks.
    public static func fold(_ name: String) -> String {
        String(String.UnicodeScalarView(name.unicodeScalars.map { s -> Unicode.Scalar in
            switch s {
            case "A"..."Z": return Unicode.Scalar(s.value + 32)!
            case "[": return "{"
            case "]": return "}"
            case "\\": return "|"
            case "~": return "^"
            default: return s
            }
        }))
    }
}
