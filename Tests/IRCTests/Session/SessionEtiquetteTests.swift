import Testing
@testable import IRC

private func server(_ command: String, _ params: String...) -> IRCSessionStateMachine.Event {
    .received(Message(source: Source(nick: "irc.test"), command: command, params: params))
}

private func sends(_ actions: [SessionAction]) -> [Message] {
    actions.compactMap { if case .send(let message) = $0 { message } else { nil } }
}

private func emitted(_ actions: [SessionAction]) -> [SessionChange] {
    actions.compactMap { if case .emit(let change) = $0 { change } else { nil } }
}

/// Bot mode (ISUPPORT `BOT`) and invitations, as the session state machine sees them.
@Suite struct SessionEtiquetteTests {
    private func registered() -> IRCSessionStateMachine {
        var machine = IRCSessionStateMachine(configuration: SessionConfiguration(nick: "bot"))
        _ = machine.handle(.registered(nick: "bot"))
        return machine
    }

    @Test func advertisedBotModeIsSetOncePerConnection() {
        var machine = registered()
        #expect(sends(machine.handle(server("005", "bot", "CASEMAPPING=ascii", "are supported"))).isEmpty)
        #expect(sends(machine.handle(server("005", "bot", "BOT=B", "are supported"))) == [Message("MODE", "bot", "+B")])
        #expect(machine.botModeRequested == "B")
        // A later 005 (or a repeated token) does not ask again on this connection …
        #expect(sends(machine.handle(server("005", "bot", "BOT=B", "are supported"))).isEmpty)
        // … but the next connection does.
        _ = machine.handle(.connectionEnded)
        _ = machine.handle(.registered(nick: "bot_"))
        #expect(sends(machine.handle(server("005", "bot_", "BOT=B", "are supported"))) == [Message("MODE", "bot_", "+B")])
    }

    @Test func botTokenThatIsNoUserModeIsIgnored() {
        for value in ["BOT", "BOT=", "BOT=BB", "BOT=+", "BOT=é"] {
            var machine = registered()
            #expect(sends(machine.handle(server("005", "bot", value, "are supported"))).isEmpty, "\(value)")
        }
    }

    @Test func invitationsToUsAreReportedWithTheInviter() {
        var machine = registered()
        let invite = Message(tags: ["account": "alice"], source: Source(parsing: "Alice!a@host"), command: "INVITE", params: ["BOT", "#art"])
        #expect(emitted(machine.handle(.received(invite))) == [.invited(channel: "#art", by: Source(nick: "Alice", user: "a", host: "host"), account: "alice")])
        // invite-notify: someone else's invitation is not ours; a non-channel is nonsense.
        let other = Message(source: Source(parsing: "Alice!a@host"), command: "INVITE", params: ["carol", "#art"])
        #expect(emitted(machine.handle(.received(other))).isEmpty)
        let bogus = Message(source: Source(parsing: "Alice!a@host"), command: "INVITE", params: ["bot", "art"])
        #expect(emitted(machine.handle(.received(bogus))).isEmpty)
    }
}
