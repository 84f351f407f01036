import IRC

/// Keeps secrets out of the logs of the lines we send and receive, at every level: PASS and
/// AUTHENTICATE, IDENTIFY to NickServ (also when the server echoes it back), channel keys in
/// JOIN, and any known secret (server, SASL and NickServ passwords, channel keys) wherever else
/// it turns up in a line, e.g. quoted back by a server or a user.
struct Redaction: Sendable {
    static let placeholder = "<redacted>"
    /// Secrets shorter than this are not searched for inside other text: replacing every "x"
    /// would garble the log, and a key that short protects nothing.
    static let minimumSearchedLength = 4

    private let secrets: [String]

    init(secrets: [String]) {
        // Longest first, so a secret containing another is replaced whole.
        self.secrets = Set(secrets.filter { $0.count >= Self.minimumSearchedLength }).sorted { $0.count > $1.count }
    }

    init(_ configuration: IRCConnectionConfiguration, joinedKeys: [String] = []) {
        var secrets = [configuration.password, configuration.nickservPassword].compactMap { $0 }
        if case .plain(_, let password)? = configuration.sasl { secrets.append(password) }
        secrets += configuration.channels.compactMap(\.key) + joinedKeys
        self.init(secrets: secrets)
    }

    /// An outgoing or incoming message as it may be logged.
    func loggable(_ message: Message) -> String {
        switch message.command.uppercased() {
        case "PASS", "AUTHENTICATE":
            return "\(message.command) \(Self.placeholder)"
        case "PRIVMSG" where message.params.first?.lowercased() == "nickserv":
            return "PRIVMSG NickServ \(Self.placeholder)"
        case "JOIN" where message.params.count >= 2:
            // `JOIN #a,#b key1,key2`; a server's JOIN (with extended-join) has an account there,
            // which is not secret but not worth a special case either.
            var redacted = message
            redacted.params = [message.params[0], Self.placeholder]
            return scrubbed(redacted.serialized())
        default:
            return scrubbed(message.serialized())
        }
    }

    /// A raw line (as queued or received) as it may be logged; unparseable text is scrubbed.
    func loggable(line: String) -> String {
        guard let message = try? Message(parsing: line) else { return scrubbed(line) }
        let redacted = loggable(message)
        // Keep the line as it was when nothing had to go (the serializer may reorder tags).
        return redacted == scrubbed(message.serialized()) ? scrubbed(line) : redacted
    }

    /// `text` with every known secret replaced.
    func scrubbed(_ text: String) -> String {
        var text = text
        for secret in secrets where text.contains(secret) {
            text = text.replacing(secret, with: Self.placeholder)
        }
        return text
    }
}
