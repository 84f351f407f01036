/// One IRC line as a value: IRCv3 tags, optional source, command and parameters.
///
/// Kept deliberately small (in the spirit of irctokens): parsing and serialising live in
/// `Message+Parsing.swift` and `Message+Serialization.swift`, the tag section in
/// `Message+Tags.swift`; meaning lives elsewhere.
///
/// Tags are kept as their wire text and decoded on access: a received line usually carries
/// `time`, `account` and `msgid`, and the bot reads at most one or two tags of it, so building a
/// table of all of them per line (which cost 40 % of parsing) is left to the few who ask.
public struct Message: Sendable {
    /// The tag section as on the wire (escaped, without `@` and the space): a slice of the
    /// received line, shared rather than copied. Always wire-safe (no space, CR, LF or NUL):
    /// it comes either from a parsed line or from `TagSection.encode`.
    var rawTags: Substring
    /// Where the line came from (`nick!user@host` or a server name); nil for our own lines.
    public var source: Source?
    /// The command word, upper-cased on parse (`PRIVMSG`), or a three-digit numeric (`001`).
    public var command: String
    /// Middle parameters followed by the trailing one, without the `:` marker.
    public var params: [String]

    public init(tags: [String: String] = [:], source: Source? = nil, command: String, params: [String] = []) {
        self.rawTags = tags.isEmpty ? "" : Substring(TagSection.encode(tags))
        self.source = source
        self.command = command
        self.params = params
    }

    /// Convenience for outgoing lines: `Message("PRIVMSG", "#chan", "hello there")`.
    public init(_ command: String, _ params: String...) {
        self.init(command: command, params: params)
    }

    init(rawTags: Substring, source: Source?, command: String, params: [String]) {
        self.rawTags = rawTags
        self.source = source
        self.command = command
        self.params = params
    }

    /// IRCv3 message tags, unescaped. A tag without a value maps to "". Client-only tags keep
    /// their leading `+` in the key. Of duplicate keys the last one counts.
    ///
    /// Decodes the whole tag section into a new dictionary on every read: to look up one tag,
    /// `tag(_:)` is cheaper. Setting it replaces all tags (written sorted by key).
    public var tags: [String: String] {
        get { TagSection.decodeAll(rawTags) }
        set { rawTags = newValue.isEmpty ? "" : Substring(TagSection.encode(newValue)) }
    }

    /// The unescaped value of one tag ("" for a tag without a value), or nil if the line has no
    /// such tag; without building the whole table.
    public func tag(_ key: String) -> String? {
        TagSection.value(of: key, in: rawTags)
    }
}

extension Message: Hashable {
    // Tags compare as tables, not as text: `@a=1;b=2` and `@b=2;a=1` are the same line.
    public static func == (lhs: Message, rhs: Message) -> Bool {
        lhs.command == rhs.command && lhs.params == rhs.params && lhs.source == rhs.source
            && (lhs.rawTags == rhs.rawTags || lhs.tags == rhs.tags)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(command)
        hasher.combine(params)
        hasher.combine(source)
        hasher.combine(tags)
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
