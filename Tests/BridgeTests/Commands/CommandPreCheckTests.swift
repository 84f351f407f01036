import Testing
@testable import Bridge

/// `mayBeCommand` is what a transport asks before it spends a task on a line: it must say yes
/// to every line `parse` acts on (the whole command table, every addressing form) and may say
/// no only to what `parse` calls ordinary conversation.
@Suite struct CommandPreCheckTests {
    static let registry = BridgeCommands.registry

    /// Every name a user can type: names and aliases of the real command table.
    static var typedNames: [String] {
        registry.specs.flatMap { [$0.name] + $0.aliases }
    }

    func event(_ text: String, target: ChatTarget = .channel("#art"), nick: String? = "mjbridge") -> ChatEvent {
        ChatEvent(network: "net", target: target, sender: "alice", text: text, botNick: nick)
    }

    /// The forms a command can take, for `name` with prefix `prefix`.
    func commandForms(_ name: String, prefix: String) -> [ChatEvent] {
        var forms = [
            event("mjbridge: \(name)"), event("MJBRIDGE, \(name) a b"), event("mjbridge:\(name)"),
            event("\u{02}mjbridge\u{02}: \(name)"), event("  mjbridge:   \(name.uppercased())  "),
            event(name, target: .privateMessage), event("\(name) x y", target: .privateMessage),
            event("\u{03}4\(name)", target: .privateMessage, nick: nil),
        ]
        if !prefix.isEmpty {
            forms += [
                event("\(prefix)\(name)"), event("\(prefix)\(name) a red fox --ar 16:9"),
                event("\u{02}\(prefix)\(name)\u{0F} x"), event("\t\(prefix)\(name.uppercased())\t"),
                event("mjbridge: \(prefix)\(name)"), event("\(prefix)\(name)", nick: nil),
                event("\(prefix)\(name)", target: .privateMessage),
            ]
        }
        return forms
    }

    /// Lines that are not commands in a channel, and some near misses.
    func chatter(prefix: String) -> [ChatEvent] {
        [
            event("hello everyone"), event(""), event("   "), event("mjbridge"), event("mjbridge:"),
            event("mjbridge:   "), event("mjbridgefan: help"), event("mjbridge help"), event("help"),
            event("imagine a cat"), event("\u{02}bold talk\u{02}"), event("mjbridge: help", nick: nil),
            event("\(prefix)"), event("\(prefix) imagine"), event("\(prefix)\t"), event("mjbridge: \(prefix)"),
            event("", target: .privateMessage), event("  ", target: .privateMessage),
        ]
    }

    @Test(arguments: ["!", ".", "mj!", ""])
    func everyCommandFormPassesThePreCheck(prefix: String) {
        let parser = CommandParser(registry: Self.registry, prefix: prefix)
        for name in Self.typedNames {
            for form in commandForms(name, prefix: prefix) {
                guard case .command = parser.parse(form) else {
                    Issue.record("not parsed as a command: \(form.text.debugDescription) (prefix \(prefix.debugDescription))")
                    continue
                }
                #expect(parser.mayBeCommand(form), "\(form.text.debugDescription) with prefix \(prefix.debugDescription)")
            }
        }
    }

    @Test(arguments: ["!", ".", "mj!", ""])
    func preCheckAgreesWithTheParserOnEveryLine(prefix: String) {
        let parser = CommandParser(registry: Self.registry, prefix: prefix)
        let lines = Self.typedNames.flatMap { commandForms($0, prefix: prefix) } + chatter(prefix: prefix)
            + [event("\(prefix)nosuchcommand"), event("mjbridge: nosuchcommand"), event("nosuchcommand", target: .privateMessage)]
        for line in lines {
            let parsed = parser.parse(line)
            let isConversation = parsed == .notACommand
            #expect(parser.mayBeCommand(line) == !isConversation, "\(line.text.debugDescription) → \(parsed)")
        }
    }

    @Test func ordinaryChatterInAChannelIsRecognisedAsSuch() {
        let parser = CommandParser(registry: Self.registry, prefix: "!")
        for line in chatter(prefix: "!") where line.target != .privateMessage {
            #expect(!parser.mayBeCommand(line), "\(line.text.debugDescription)")
        }
        // Unknown names still pass: the rate limit counts them, and in private they are answered.
        #expect(parser.mayBeCommand(event("!nosuchcommand")))
        #expect(parser.mayBeCommand(event("anything at all", target: .privateMessage)))
    }
}
