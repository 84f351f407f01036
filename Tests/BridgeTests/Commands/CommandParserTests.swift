import Testing
@testable import Bridge

@Suite struct CommandParserTests {
    let parser = CommandParser(registry: CommandRegistry(CoreCommands.all + [
        CommandSpec(name: "imagine", aliases: ["mj", "i"], usage: "<prompt>", summary: "Draws."),
        CommandSpec(name: "u1", aliases: ["u2", "u3", "u4"], listName: "u1-4", usage: "[ref]", summary: "Upscales."),
    ]))

    func channel(_ text: String, nick: String? = "mjbridge") -> ChatEvent {
        ChatEvent(network: "net", target: .channel("#art"), sender: "alice", text: text, botNick: nick)
    }

    func privately(_ text: String) -> ChatEvent {
        ChatEvent(network: "net", target: .privateMessage, sender: "alice", text: text, botNick: "mjbridge")
    }

    func invocation(_ line: ParsedLine) -> CommandInvocation? {
        if case .command(let c) = line { return c }
        return nil
    }

    @Test func prefixCommandWithArguments() throws {
        let c = try #require(invocation(parser.parse(channel("!imagine  a red fox --ar 16:9 "))))
        #expect(c.spec.name == "imagine")
        #expect(c.invokedName == "imagine")
        #expect(c.arguments == "a red fox --ar 16:9")
    }

    @Test func aliasesAndCaseInsensitiveNames() throws {
        #expect(invocation(parser.parse(channel("!MJ cat")))?.spec.name == "imagine")
        let u = try #require(invocation(parser.parse(channel("!U3 1828"))))
        #expect(u.spec.name == "u1")
        #expect(u.invokedName == "u3")
        #expect(u.words == ["1828"])
    }

    @Test func addressedFormWithColonOrComma() {
        #expect(invocation(parser.parse(channel("mjbridge: help")))?.spec.name == "help")
        #expect(invocation(parser.parse(channel("MJBridge, help imagine")))?.arguments == "imagine")
        #expect(invocation(parser.parse(channel("mjbridge: !ping")))?.spec.name == "ping")
        // Someone else's nick, or no separator, is conversation.
        #expect(parser.parse(channel("mjbridge2: help")) == .notACommand)
        #expect(parser.parse(channel("mjbridge help")) == .notACommand)
        #expect(parser.parse(channel("mjbridge: help", nick: nil)) == .notACommand)
        #expect(parser.parse(channel("mjbridge:")) == .notACommand)
    }

    @Test func addressedFormFollowsTheCurrentNick() {
        #expect(invocation(parser.parse(channel("mjbridge_: ping", nick: "mjbridge_")))?.spec.name == "ping")
        #expect(parser.parse(channel("mjbridge: ping", nick: "mjbridge_")) == .notACommand)
    }

    @Test func privateMessagesNeedNoPrefix() {
        #expect(invocation(parser.parse(privately("imagine a cat")))?.arguments == "a cat")
        #expect(invocation(parser.parse(privately("!imagine a cat")))?.arguments == "a cat")
    }

    @Test func conversationIsNotACommand() {
        #expect(parser.parse(channel("imagine a cat")) == .notACommand)
        #expect(parser.parse(channel("! not a command")) == .notACommand)
        #expect(parser.parse(channel("!")) == .notACommand)
        #expect(parser.parse(channel("")) == .notACommand)
    }

    @Test func unknownCommandsAreReported() {
        let event = channel("!frobnicate x")
        #expect(parser.parse(event) == .unknown(name: "frobnicate", event: event))
    }

    @Test func formattingIsStrippedBeforeParsing() {
        let c = invocation(parser.parse(channel("\u{02}\u{03}4!imagine\u{0F} a \u{1D}fox\u{1D}\r\n")))
        #expect(c?.spec.name == "imagine")
        #expect(c?.arguments == "a fox")
    }

    @Test func customPrefix() {
        let dot = CommandParser(registry: parser.registry, prefix: ".")
        #expect(invocation(dot.parse(channel(".ping")))?.spec.name == "ping")
        #expect(dot.parse(channel("!ping")) == .notACommand)
    }
}
