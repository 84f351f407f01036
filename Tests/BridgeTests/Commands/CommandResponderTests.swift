import Testing
@testable import Bridge

@Suite struct CommandResponderTests {
    let registry = CommandRegistry(CoreCommands.all + [
        CommandSpec(name: "imagine", aliases: ["mj", "i"], usage: "<prompt>", summary: "Draws a 2x2 grid.",
                    examples: ["imagine a red fox in snow --ar 16:9"]),
        CommandSpec(name: "u1", aliases: ["u2", "u3", "u4"], listName: "u1-4", usage: "[ref]",
                    summary: "Upscales one image of a grid."),
        CommandSpec(name: "quota", usage: "<nick> <n>", summary: "Sets a quota.", ownerOnly: true),
    ])

    func responder(style: ChatStyle = .privmsg) -> CommandResponder {
        CommandResponder(parser: CommandParser(registry: registry), addressing: ReplyAddressing(style: style),
                         versionText: "mjbridge 0.1.0")
    }

    func channel(_ text: String) -> ChatEvent {
        ChatEvent(network: "net", target: .channel("#art"), sender: "alice", text: text, botNick: "mjbridge")
    }

    func privately(_ text: String) -> ChatEvent {
        ChatEvent(network: "net", target: .privateMessage, sender: "alice", text: text, botNick: "mjbridge")
    }

    func texts(_ outcome: CommandResponder.Outcome) -> [String] {
        if case .replies(let lines) = outcome { return lines.map(\.text) }
        return []
    }

    @Test func pingAndVersionInAChannelAddressTheCaller() {
        let outcome = responder().respond(to: channel("!ping"), isOwner: false)
        #expect(outcome == .replies([OutgoingChat(network: "net", target: "#art", text: "alice: pong")]))
        #expect(texts(responder().respond(to: channel("!version"), isOwner: false)) == ["alice: mjbridge 0.1.0"])
    }

    @Test func privateRepliesGoToTheSenderWithoutNick() {
        let outcome = responder(style: .notice).respond(to: privately("ping"), isOwner: false)
        #expect(outcome == .replies([OutgoingChat(network: "net", target: "alice", text: "pong", style: .notice)]))
    }

    @Test func helpIndexListsCommandsCompactly() {
        let lines = texts(responder().respond(to: channel("!help"), isOwner: false))
        #expect(lines == ["alice: Commands: help, version, ping, imagine (mj, i), u1-4 · !help <command> for details"])
        let owner = texts(responder().respond(to: channel("!help"), isOwner: true))
        #expect(owner.first?.contains("quota") == true)
    }

    @Test func helpForOneCommandGivesUsageDescriptionExamples() {
        let lines = texts(responder().respond(to: channel("!help mj"), isOwner: false))
        #expect(lines == [
            "alice: Usage: !imagine <prompt> — Draws a 2x2 grid. Also: !mj, !i.",
            "alice: Examples: !imagine a red fox in snow --ar 16:9",
        ])
        #expect(texts(responder().respond(to: channel("!help !u2"), isOwner: false))
            == ["alice: Usage: !u2 [ref] — Upscales one image of a grid."])
    }

    @Test func helpRefsStatesHowRefsNameImagesAndTheAmbiguityRules() {
        for topic in ["refs", "REF"] {
            let lines = texts(responder().respond(to: channel("!help \(topic)"), isOwner: false))
            #expect(lines.count == 2)
            let text = lines.joined(separator: " ")
            #expect(text.contains("!blend 1828 3356 --square") && text.contains("!describe 1828"))
            #expect(text.contains("In !imagine write ref:1828 (a bare number there is prompt text)"))
            #expect(text.contains("1828/2 is image 2 of that grid"))
            #expect(text.contains("A ref that fits several tasks here is refused with the list: give more digits"))
            #expect(text.contains("refs from elsewhere, unfinished, failed, describe and shorten tasks are refused"))
            // One IRC line each, with room for the nick and the server's prefix.
            #expect(lines.allSatisfy { $0.utf8.count <= 400 }, "\(lines.map(\.utf8.count))")
        }
    }

    @Test func helpForUnknownOrHiddenCommands() {
        #expect(texts(responder().respond(to: channel("!help nope"), isOwner: false))
            == ["alice: No command \"nope\". !help lists them all."])
        #expect(texts(responder().respond(to: channel("!help quota"), isOwner: false))
            == ["alice: No command \"quota\". !help lists them all."])
        #expect(texts(responder().respond(to: channel("!help quota"), isOwner: true)).count == 1)
    }

    @Test func unknownCommandsAreSilentInChannelsAndHintedInPrivate() {
        #expect(responder().respond(to: channel("!nope"), isOwner: false) == .ignore)
        #expect(texts(responder().respond(to: privately("nope"), isOwner: false)) == ["I don't know \"nope\". Try !help."])
        #expect(responder().respond(to: channel("hello there"), isOwner: false) == .ignore)
    }

    @Test func ownerOnlyCommandsAreRefusedToOthers() {
        #expect(texts(responder().respond(to: channel("!quota bob 5"), isOwner: false))
            == ["alice: !quota is for the bot's owners."])
        if case .dispatch(let invocation) = responder().respond(to: channel("!quota bob 5"), isOwner: true) {
            #expect(invocation.arguments == "bob 5")
        } else {
            Issue.record("owner's command was not dispatched")
        }
    }

    @Test func otherCommandsAreDispatched() {
        guard case .dispatch(let invocation) = responder().respond(to: channel("!i a cat"), isOwner: false) else {
            Issue.record("not dispatched")
            return
        }
        #expect(invocation.spec.name == "imagine")
        #expect(invocation.arguments == "a cat")
    }
}
