/// A command found in a chat line.
public struct CommandInvocation: Sendable, Hashable {
    public var spec: CommandSpec
    /// The name as typed, lower case (`u2`, `mj`): the `u1-4` family tells the index by it.
    public var invokedName: String
    /// Everything after the name, formatting stripped, outer whitespace trimmed.
    public var arguments: String
    public var event: ChatEvent

    /// Arguments split on whitespace.
    public var words: [String] {
        arguments.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    }
}

/// What a chat line means to the bot.
public enum ParsedLine: Sendable, Hashable {
    case command(CommandInvocation)
    /// Looked like a command (prefix, addressed, or private) but names none we know.
    case unknown(name: String, event: ChatEvent)
    /// Ordinary conversation.
    case notACommand
}

/// Recognises commands: `!imagine …` with the configured prefix, the addressed form
/// `mjbridge: imagine …` / `mjbridge, imagine …` with the bot's current nick, and in private
/// messages the bare `imagine …` as well.
public struct CommandParser: Sendable {
    public var registry: CommandRegistry
    public var prefix: String

    public init(registry: CommandRegistry, prefix: String = "!") {
        self.registry = registry
        self.prefix = prefix
    }

    public func parse(_ event: ChatEvent) -> ParsedLine {
        guard let (name, rest) = nameAndArguments(event) else { return .notACommand }
        guard let spec = registry.lookup(name) else {
            return .unknown(name: name.lowercased(), event: event)
        }
        return .command(CommandInvocation(spec: spec, invokedName: name.lowercased(),
                                          arguments: rest.trimmingWhitespace(), event: event))
    }

    /// Whether `parse` finds more than ordinary conversation in the line (a command, or an
    /// unknown name the bot may answer or count against the rate limit): the same test `parse`
    /// starts with, without the lookup. A transport asks it before it spends a task or an
    /// actor hop on a line, so it must never say no to a line `parse` would act on.
    public func mayBeCommand(_ event: ChatEvent) -> Bool {
        nameAndArguments(event) != nil
    }

    /// The command name as typed and the rest of the line, or nil for ordinary conversation.
    private func nameAndArguments(_ event: ChatEvent) -> (String, String)? {
        let clean = ChatText.stripFormatting(event.text).trimmingWhitespace()
        guard let body = commandBody(clean, event: event) else { return nil }
        let (name, rest) = body.splitFirstWord()
        return name.isEmpty ? nil : (name, rest)
    }

    /// The text after the prefix or address, or nil when the line is not meant for the bot.
    private func commandBody(_ text: String, event: ChatEvent) -> String? {
        if !prefix.isEmpty, text.hasPrefix(prefix) {
            let body = String(text.dropFirst(prefix.count))
            // "!" alone or "! foo" is punctuation, not a command.
            if body.first.map({ $0 == " " || $0 == "\t" }) ?? true { return nil }
            return body
        }
        if let nick = event.botNick, !nick.isEmpty, let addressed = addressedBody(text, nick: nick) {
            return addressed
        }
        if case .privateMessage = event.target { return text }
        return nil
    }

    /// `nick: rest` or `nick, rest`, nick compared case-insensitively; a prefix on `rest`
    /// (`mjbridge: !help`) is tolerated.
    private func addressedBody(_ text: String, nick: String) -> String? {
        guard text.count > nick.count else { return nil }
        let head = text.prefix(nick.count)
        guard ChatText.caseFolded(String(head)) == ChatText.caseFolded(nick) else { return nil }
        let afterNick = text.dropFirst(nick.count)
        guard let separator = afterNick.first, separator == ":" || separator == "," else { return nil }
        var rest = String(afterNick.dropFirst()).trimmingWhitespace()
        if !prefix.isEmpty, rest.hasPrefix(prefix) { rest = String(rest.dropFirst(prefix.count)) }
        return rest.isEmpty ? nil : rest
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[start...end])
    }

    /// The first whitespace-separated word and the remainder (untrimmed).
    func splitFirstWord() -> (String, String) {
        guard let space = firstIndex(where: { $0 == " " || $0 == "\t" }) else { return (self, "") }
        return (String(self[..<space]), String(self[index(after: space)...]))
    }
}
