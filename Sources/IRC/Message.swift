/// One IRC line as a value: IRCv3 tags, optional source, command and parameters.
///
/// Kept deliberately small (in the spirit of irctokens): parsing and serialising live in
/// `Message+Parsing.swift` and `Message+Serialization.swift`; meaning lives elsewhere.
public struct Message: Sendable, Hashable {
    /// IRCv3 message tags, already unescaped. A tag without a value maps to "".
    /// Client-only tags keep their leading `+` in the key.
    public var tags: [String: String]
    /// Where the line came from (`nick!user@host` or a server name); nil for our own lines.
    public var source: Source?
    /// The command word, upper-cased on parse (`PRIVMSG`), or a three-digit numeric (`001`).
    public var command: String
    /// Middle parameters followed by the trailing one, without the `:` marker.
    public var params: [String]

    public init(tags: [String: String] = [:], source: Source? = nil, command: String, params: [String] = []) {
        self.tags = tags
        self.source = source
        self.command = command
        self.params = params
    }

    /// Convenience for outgoing lines: `Message("PRIVMSG", "#chan", "hello there")`.
    public init(_ command: String, _ params: String...) {
        self.init(command: command, params: params)
    }
}

/// The prefix of a line: a user mask `nick!user@host` or a bare server name.
public struct Source: Sendable, Hashable, CustomStringConvertible {
    public var nick: String
    public var user: String?
    public var host: String?

    public init(nick: String, user: String? = nil, host: String? = nil) {
        self.nick = nick
        self.user = user
        self.host = host
    }

    /// Splits `nick!user@host`; a server name (`irc.example.net`) lands in `nick`.
    public init(parsing raw: Substring) {
        var rest = raw
        var host: Substring?
        var user: Substring?
        if let at = rest.firstIndex(of: "@") {
            host = rest[rest.index(after: at)...]
            rest = rest[..<at]
        }
        if let bang = rest.firstIndex(of: "!") {
            user = rest[rest.index(after: bang)...]
            rest = rest[..<bang]
        }
        self.init(nick: String(rest), user: user.map(String.init), host: host.map(String.init))
    }

    public var description: String {
        var s = nick
        if let user { s += "!" + user }
        if let host { s += "@" + host }
        return s
    }
}
