/// Where a task's results go: the network, the channel it was asked in (nil for a private
/// message) and who asked.
public struct TaskRoute: Sendable, Hashable, Codable {
    public var network: String
    public var channel: String?
    public var nick: String
    public var account: String?
    /// The event the results reply to (Matrix); nil on IRC.
    public var replyTo: ReplyReference?

    public init(network: String, channel: String?, nick: String, account: String? = nil, replyTo: ReplyReference? = nil) {
        self.network = network
        self.channel = channel
        self.nick = nick
        self.account = account
        self.replyTo = replyTo
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
    /// Matrix identifiers (`isMatrixIdentifier`) are case-sensitive and are returned unchanged,
    /// so the name itself says which rule applies, wherever it is stored.
    public static func fold(_ name: String) -> String {
        if isMatrixIdentifier(name) { return name }
        return String(String.UnicodeScalarView(name.unicodeScalars.map { s -> Unicode.Scalar in
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

    /// Whether `name` is a Matrix room id, alias or user id: a sigil, a local part and `:server`,
    /// which IRC channel names and nicks cannot contain (RFC 2812 `chanstring`, `nickname`);
    /// or a room id of room version 12 and later (MSC4291: `!` and the 43-character unpadded
    /// URL-safe base64 of the create event's hash, no server part). An IRC "safe channel" of
    /// exactly that shape would be taken for one: none has been seen.
    /// A Matrix room id as the bot sends to it and adopts routes for (one rule for both): a
    /// Matrix identifier starting with `!`, at most 255 bytes, no space or control character
    /// (C0, DEL, C1). The opaque part is otherwise the server's choice (`/`, `+`, `,` …): it
    /// goes into request paths percent-encoded.
    public static func isMatrixRoomID(_ id: String) -> Bool {
        id.first == "!" && isMatrixIdentifier(id) && id.utf8.count <= 255
            && !id.unicodeScalars.contains { $0.value < 0x21 || (0x7F...0x9F).contains($0.value) }
    }

    public static func isMatrixIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, "!#@".unicodeScalars.contains(first) else { return false }
        if name.contains(":") { return true }
        guard first == "!", name.unicodeScalars.count == 44 else { return false }
        return name.unicodeScalars.dropFirst().allSatisfy { s in
            ("A"..."Z").contains(s) || ("a"..."z").contains(s) || ("0"..."9").contains(s) || s == "-" || s == "_"
        }
    }
}
