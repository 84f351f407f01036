/// The commands every bot answers without the proxy: `help`, `version`, `ping`.
public enum CoreCommands {
    public static let help = CommandSpec(
        name: "help", usage: "[command|refs]",
        summary: "Lists the commands, or explains one; help refs: earlier results as images.",
        examples: ["help", "help imagine", "help refs"])

    /// `!help refs`: how a ref names an earlier result where an image is taken, and the rules
    /// for refs that fit several tasks or none usable here.
    public static func referenceHelp(prefix p: String) -> [String] {
        [
            "Earlier results as images: where an image link is taken (\(p)describe, \(p)blend, \(p)faceswap, the mask of \(p)region) "
                + "a ref works too: \(p)blend 1828 3356 --square · \(p)describe 1828. In \(p)imagine write ref:1828 "
                + "(a bare number there is prompt text): \(p)imagine ref:1828 a fox in this style. ref: works everywhere; "
                + "1828/2 is image 2 of that grid.",
            "A ref is a task of this conversation (in private also your own tasks from channels), finished with an image: "
                + "refs from elsewhere, unfinished, failed, describe and shorten tasks are refused with the reason. "
                + "A ref that fits several tasks here is refused with the list: give more digits, or the full task id.",
        ]
    }
    public static let version = CommandSpec(
        name: "version", summary: "Shows the bot's version.", examples: ["version"])
    public static let ping = CommandSpec(
        name: "ping", summary: "Checks that the bot is listening.", examples: ["ping"])

    public static let all = [help, version, ping]
}

/// Turns a chat line into either immediate answers (help, version, ping, the hint for an
/// unknown command in private) or a command for the bridge to run. Pure.
public struct CommandResponder: Sendable {
    public enum Outcome: Sendable, Hashable {
        case replies([OutgoingChat])
        case dispatch(CommandInvocation)
        case ignore
    }

    public var parser: CommandParser
    public var addressing: ReplyAddressing
    /// E.g. `mjbridge 0.1.0`.
    public var versionText: String

    public init(parser: CommandParser, addressing: ReplyAddressing, versionText: String) {
        self.parser = parser
        self.addressing = addressing
        self.versionText = versionText
    }

    public func respond(to event: ChatEvent, isOwner: Bool) -> Outcome {
        respond(to: event, role: isOwner ? .owner : .user)
    }

    /// Ignored senders get `.ignore` here too, so a caller that forgot to check first still
    /// says nothing to them.
    public func respond(to event: ChatEvent, role: Role) -> Outcome {
        guard role > .ignored else { return .ignore }
        switch parser.parse(event) {
        case .notACommand:
            return .ignore
        case .unknown(let name, let event):
            guard case .privateMessage = event.target else { return .ignore }
            let hint = "I don't know \"\(ChatText.truncated(name, to: 30))\". Try \(parser.prefix)help."
            return .replies([addressing.reply(to: event, hint)])
        case .command(let invocation):
            if invocation.spec.minimumRole > role {
                // Decided by services account (or owner mask): a nick alone proves nothing.
                return .replies([addressing.reply(to: event, refusal(invocation))])
            }
            switch invocation.spec.name {
            case CoreCommands.help.name:
                return .replies(helpLines(invocation, role: role).map { addressing.reply(to: event, $0) })
            case CoreCommands.version.name:
                return .replies([addressing.reply(to: event, versionText)])
            case CoreCommands.ping.name:
                return .replies([addressing.reply(to: event, "pong")])
            default:
                return .dispatch(invocation)
            }
        }
    }

    /// "!ignore is for the bot's admins."
    public func refusal(_ invocation: CommandInvocation) -> String {
        "\(parser.prefix)\(invocation.invokedName) is for the bot's \(invocation.spec.minimumRole.plural)."
    }

    private func helpLines(_ invocation: CommandInvocation, role: Role) -> [String] {
        let registry = parser.registry
        guard let topic = invocation.words.first else {
            return [registry.helpIndex(prefix: parser.prefix, role: role)]
        }
        if ["refs", "ref"].contains(topic.lowercased()) {
            return CoreCommands.referenceHelp(prefix: parser.prefix)
        }
        if let lines = registry.help(for: topic, prefix: parser.prefix),
           let spec = registry.lookup(topic.hasPrefix(parser.prefix) ? String(topic.dropFirst(parser.prefix.count)) : topic),
           spec.minimumRole <= role {
            return lines
        }
        return ["No command \"\(ChatText.truncated(topic, to: 30))\". \(parser.prefix)help lists them all."]
    }
}
