import Testing
@testable import IRC

/// A line from the server, built by hand so these tests do not depend on the parser.
private func server(_ command: String, _ params: String...) -> IRCSessionStateMachine.Event {
    .received(Message(source: Source(nick: "irc.test"), command: command, params: params))
}

/// A line whose source is `who` (`nick!user@host`).
private func from(_ who: String, _ command: String, _ params: String...) -> IRCSessionStateMachine.Event {
    .received(Message(source: Source(parsing: Substring(who)), command: command, params: params))
}

private func sends(_ actions: [SessionAction]) -> [Message] {
    actions.compactMap { if case .send(let message) = $0 { message } else { nil } }
}

private func emitted(_ actions: [SessionAction]) -> [SessionChange] {
    actions.compactMap { if case .emit(let change) = $0 { change } else { nil } }
}

private func started(_ actions: [SessionAction]) -> [SessionTimer: Duration] {
    var timers: [SessionTimer: Duration] = [:]
    for case .startTimer(let timer, let delay) in actions { timers[timer] = delay }
    return timers
}

private func cancelled(_ actions: [SessionAction]) -> [SessionTimer] {
    actions.compactMap { if case .cancelTimer(let timer) = $0 { timer } else { nil } }
}

private func logs(_ actions: [SessionAction], _ level: LogLevel) -> [String] {
    actions.compactMap { if case .log(level, let text) = $0 { text } else { nil } }
}

private let settings = SessionConfiguration(
    nick: "bot", channels: [WantedChannel("#Main"), WantedChannel("#secret", key: "sesame")],
    rejoinOnKick: true, rejoinDelay: .seconds(10), nickRegainInterval: .seconds(60), joinRetryMaximum: .seconds(600)
)

/// Registered as `nick`, with the server's 005 CASEMAPPING when given.
private func registered(_ configuration: SessionConfiguration = settings, nick: String = "bot",
                        caseMapping: String? = nil) -> IRCSessionStateMachine {
    var machine = IRCSessionStateMachine(configuration: configuration)
    _ = machine.handle(.registered(nick: nick))
    if let caseMapping { _ = machine.handle(server("005", nick, "CASEMAPPING=\(caseMapping)", "are supported by this server")) }
    return machine
}

@Suite struct IRCSessionStateMachineTests {
    // MARK: Registration and channels

    @Test func registrationJoinsEveryWantedChannelWithItsKey() {
        var machine = IRCSessionStateMachine(configuration: settings)
        let actions = machine.handle(.registered(nick: "bot"))
        #expect(sends(actions) == [Message("JOIN", "#Main"), Message("JOIN", "#secret", "sesame")])
        #expect(started(actions).isEmpty)
        #expect(machine.isRegistered)
        #expect(machine.nick == "bot")
    }

    @Test func linesBeforeRegistrationChangeNothing() {
        var machine = IRCSessionStateMachine(configuration: settings)
        #expect(machine.handle(from("bot!u@h", "JOIN", "#Main")) == [])
        #expect(machine.handle(from("op!o@h", "KICK", "#Main", "bot", "out")) == [])
        #expect(machine.handle(server("471", "bot", "#Main", "full")) == [])
        #expect(machine.joinedChannels.isEmpty)
        #expect(machine.liveTimers.isEmpty)
    }

    @Test func ourJoinEchoIsTheJoinAndGivesOurHostmask() {
        var machine = registered()
        let actions = machine.handle(from("bot!~mj@host.example", "JOIN", "#main"))
        #expect(emitted(actions) == [.joined(channel: "#main")])
        #expect(machine.isJoined("#MAIN"))
        #expect(machine.joinedChannels == ["#main"])
        #expect(machine.sender == Source(nick: "bot", user: "~mj", host: "host.example"))
        // Someone else joining is not us; a repeated echo does not list the channel twice.
        #expect(machine.handle(from("alice!a@h", "JOIN", "#other")) == [])
        _ = machine.handle(from("bot!~mj@host.example", "JOIN", "#Main"))
        #expect(machine.joinedChannels == ["#main"])
        #expect(!machine.isJoined("#other"))
    }

    @Test func ourPartLeavesTheChannel() {
        var machine = registered()
        _ = machine.handle(from("bot!u@h", "JOIN", "#Main"))
        #expect(machine.handle(from("alice!a@h", "PART", "#Main")) == [])
        #expect(machine.isJoined("#main"))
        let actions = machine.handle(from("bot!u@h", "PART", "#main", "bye"))
        #expect(emitted(actions) == [.parted(channel: "#main")])
        #expect(!machine.isJoined("#Main"))
        // A server-side part is not a wish to leave: the channel is still wanted.
        #expect(machine.isDesired("#Main"))
    }

    // MARK: Kicks

    @Test func kickRejoinsAfterTheDelayWithTheKey() {
        var machine = registered()
        _ = machine.handle(from("bot!u@h", "JOIN", "#secret"))
        let kick = machine.handle(from("op!o@h", "KICK", "#Secret", "BOT", "behave"))
        #expect(emitted(kick) == [.kicked(channel: "#Secret", by: "op", reason: "behave")])
        #expect(logs(kick, .warning) == ["kicked from #Secret by op: behave"])
        #expect(started(kick) == [.rejoin("#secret"): .seconds(10)])
        #expect(!machine.isJoined("#secret"))
        let fire = machine.handle(.timerFired(.rejoin("#secret")))
        #expect(sends(fire) == [Message("JOIN", "#secret", "sesame")])
        #expect(machine.liveTimers.isEmpty)
    }

    @Test func kickOfSomeoneElseOrWithoutRejoinStartsNoTimer() {
        var machine = registered()
        #expect(machine.handle(from("op!o@h", "KICK", "#Main", "alice", "bye")) == [])
        var noRejoin = settings
        noRejoin.rejoinOnKick = false
        var quiet = registered(noRejoin)
        let kick = quiet.handle(from("op!o@h", "KICK", "#Main", "bot", "bye"))
        #expect(emitted(kick) == [.kicked(channel: "#Main", by: "op", reason: "bye")])
        #expect(started(kick).isEmpty)
        // Kicked from a channel we never wanted (a server-forced join): no rejoin either.
        let stray = machine.handle(from("op!o@h", "KICK", "#elsewhere", "bot"))
        #expect(emitted(stray) == [.kicked(channel: "#elsewhere", by: "op", reason: "")])
        #expect(started(stray).isEmpty)
    }

    @Test func aSecondKickRestartsTheOneRejoinTimer() {
        var machine = registered()
        _ = machine.handle(from("op!o@h", "KICK", "#Main", "bot"))
        let again = machine.handle(from("op!o@h", "KICK", "#main", "bot"))
        #expect(cancelled(again) == [.rejoin("#main")])
        #expect(started(again) == [.rejoin("#main"): .seconds(10)])
        #expect(machine.liveTimers == [.rejoin("#main")])
    }

    @Test func aRejoinTimerForAChannelWeAreInAgainSendsNothing() {
        var machine = registered()
        _ = machine.handle(from("op!o@h", "KICK", "#Main", "bot"))
        // An invite or the owner's `join` got us back before the timer: it is cancelled.
        let join = machine.handle(from("bot!u@h", "JOIN", "#Main"))
        #expect(cancelled(join) == [.rejoin("#main")])
        #expect(machine.handle(.timerFired(.rejoin("#main"))) == [])
    }

    // MARK: Refused joins

    @Test func refusedJoinsAreRetriedWithADoublingWaitUntilOneWorks() {
        var machine = registered()
        var waits: [Duration] = []
        for numeric in ["471", "473", "474", "475", "471"] {
            let refusal = machine.handle(server(numeric, "bot", "#MAIN", "Cannot join channel"))
            waits += started(refusal).values
            #expect(sends(machine.handle(.timerFired(.rejoin("#main")))) == [Message("JOIN", "#Main")])
        }
        #expect(waits == [10, 20, 40, 80, 160].map { Duration.seconds($0) })
        let refusal = machine.handle(server("474", "bot", "#Main", "Cannot join channel (+b)"))
        #expect(logs(refusal, .warning) == ["cannot join #Main: Cannot join channel (+b) (474); trying again in 320.0 seconds (refusal 6 in a row)"])
        // Success resets the count.
        _ = machine.handle(from("bot!u@h", "JOIN", "#Main"))
        _ = machine.handle(from("bot!u@h", "PART", "#Main"))
        #expect(started(machine.handle(server("471", "bot", "#Main", "full"))) == [.rejoin("#main"): .seconds(10)])
    }

    @Test func refusalsOfUnwantedChannelsAndPermanentOnesAreOnlyLogged() {
        var machine = registered()
        let unwanted = machine.handle(server("473", "bot", "#random", "Cannot join channel (+i)"))
        #expect(unwanted == [.log(.warning, "cannot join #random: Cannot join channel (+i) (473)")])
        for numeric in ["403", "405", "477"] {
            let actions = machine.handle(server(numeric, "bot", "#Main", "nope"))
            #expect(actions == [.log(.warning, "cannot join #Main: nope (\(numeric))")])
        }
        #expect(machine.liveTimers.isEmpty)
    }

    @Test func timersStayBoundedByTheWantedChannels() {
        var machine = registered(nick: "bot_")
        for round in 0..<50 {
            _ = machine.handle(from("op!o@h", "KICK", round.isMultiple(of: 2) ? "#Main" : "#SECRET", "bot_"))
            _ = machine.handle(server("471", "bot_", "#main", "full"))
            _ = machine.handle(server("474", "bot_", "#secret", "banned"))
        }
        #expect(machine.liveTimers == [.rejoin("#main"), .rejoin("#secret"), .nickRegain])
    }

    // MARK: Nick

    @Test func aFallbackNickAsksForTheConfiguredOneUntilItIsOurs() {
        var machine = IRCSessionStateMachine(configuration: settings)
        let registration = machine.handle(.registered(nick: "bot_"))
        #expect(started(registration) == [.nickRegain: .seconds(60)])
        #expect(logs(registration, .info) == ["on fallback nick bot_; asking for bot every 60.0 seconds"])
        #expect(machine.isRegainingNick)
        let tick = machine.handle(.timerFired(.nickRegain))
        #expect(sends(tick) == [Message("NICK", "bot")])
        #expect(started(tick) == [.nickRegain: .seconds(60)])
        // Still taken: a 433 now changes nothing, the next tick asks again.
        #expect(machine.handle(server("433", "bot_", "bot", "Nickname is already in use")) == [])
        #expect(sends(machine.handle(.timerFired(.nickRegain))) == [Message("NICK", "bot")])
        let changed = machine.handle(from("bot_!u@h", "NICK", "BOT"))
        #expect(emitted(changed) == [.nickChanged("BOT")])
        #expect(cancelled(changed) == [.nickRegain])
        #expect(!machine.isRegainingNick)
        #expect(machine.nick == "BOT")
        // A fire that raced the cancel is stale.
        #expect(machine.handle(.timerFired(.nickRegain)) == [])
    }

    @Test func servicesMovingUsOffOurNickStartsTheRegain() {
        var machine = registered()
        _ = machine.handle(from("bot!u@h", "JOIN", "#Main"))
        let forced = machine.handle(from("bot!u@h", "NICK", "Guest123"))
        #expect(emitted(forced) == [.nickChanged("Guest123")])
        #expect(started(forced) == [.nickRegain: .seconds(60)])
        #expect(machine.sender == Source(nick: "Guest123", user: "u", host: "h"))
        // Someone else's nick change is not ours.
        #expect(machine.handle(from("alice!a@h", "NICK", "alicia")) == [])
    }

    @Test func regainIntervalIsAtLeastATenthOfASecondAndNilTurnsItOff() {
        var fast = settings
        fast.nickRegainInterval = .milliseconds(1)
        var machine = IRCSessionStateMachine(configuration: fast)
        #expect(started(machine.handle(.registered(nick: "bot_"))) == [.nickRegain: .milliseconds(100)])
        var off = settings
        off.nickRegainInterval = nil
        var never = IRCSessionStateMachine(configuration: off)
        #expect(started(never.handle(.registered(nick: "bot_"))).isEmpty)
        off.nickRegainInterval = .zero
        never = IRCSessionStateMachine(configuration: off)
        #expect(started(never.handle(.registered(nick: "bot_"))).isEmpty)
    }

    // MARK: Hostmask and 005

    @Test func hostmaskFollowsWelcomeLoginVisibleHostAndChghost() {
        var machine = IRCSessionStateMachine(configuration: settings)
        _ = machine.handle(server("001", "bot", "Welcome to the Test Network bot!~mj@10.0.0.1"))
        _ = machine.handle(.registered(nick: "bot"))
        #expect(machine.sender == Source(nick: "bot", user: "~mj", host: "10.0.0.1"))
        _ = machine.handle(.loggedIn(account: "botacct", mask: "bot!~mj@user/botacct"))
        #expect(machine.account == "botacct")
        #expect(machine.sender.host == "user/botacct")
        _ = machine.handle(server("396", "bot", "cloak.example", "is now your displayed host"))
        #expect(machine.sender == Source(nick: "bot", user: "~mj", host: "cloak.example"))
        _ = machine.handle(from("bot!~mj@cloak.example", "CHGHOST", "mj", "new.example"))
        #expect(machine.sender == Source(nick: "bot", user: "mj", host: "new.example"))
        _ = machine.handle(from("alice!a@h", "CHGHOST", "x", "y"))
        #expect(machine.sender.host == "new.example")
        _ = machine.handle(server("901", "bot", "bot!mj@new.example", "You are now logged out"))
        #expect(machine.account == nil)
    }

    @Test func aWelcomeMaskForAnotherNickIsNotOurs() {
        var machine = IRCSessionStateMachine(configuration: settings)
        _ = machine.handle(server("001", "bot", "Welcome other!x@y"))
        _ = machine.handle(.registered(nick: "bot"))
        #expect(machine.sender == Source(nick: "bot"))
    }

    @Test func caseMappingFrom005DecidesWhatIsTheSameChannel() {
        // rfc1459 folds [ and {; ascii does not.
        var rfc = registered(SessionConfiguration(nick: "bot", channels: [WantedChannel("#a[b]")]))
        _ = rfc.handle(from("bot!u@h", "JOIN", "#A{B}"))
        #expect(rfc.isJoined("#a[b]"))
        var ascii = registered(SessionConfiguration(nick: "bot", channels: [WantedChannel("#a[b]")]), caseMapping: "ascii")
        _ = ascii.handle(from("bot!u@h", "JOIN", "#A{B}"))
        #expect(!ascii.isJoined("#a[b]"))
        #expect(ascii.isJoined("#a{b}"))
        #expect(!ascii.isDesired("#A{B}"))
    }

    @Test func nickLengthFrom005OutlivesTheConnection() {
        var machine = registered()
        _ = machine.handle(server("005", "bot", "NICKLEN=12", "are supported by this server"))
        _ = machine.handle(.connectionEnded)
        #expect(machine.learnedNickLength == 12)
        #expect(machine.support == ISupport())
    }

    // MARK: The owner's wishes

    @Test func joinWhileDisconnectedWaitsForRegistration() {
        var machine = IRCSessionStateMachine(configuration: SessionConfiguration(nick: "bot"))
        #expect(machine.handle(.joinRequested(WantedChannel("#new", key: "k"))) == [])
        #expect(machine.desiredChannels == [WantedChannel("#new", key: "k")])
        #expect(sends(machine.handle(.registered(nick: "bot"))) == [Message("JOIN", "#new", "k")])
    }

    @Test func joinWhileRegisteredSendsAtOnceAndIsWantedOnce() {
        var machine = registered()
        #expect(machine.handle(.joinRequested(WantedChannel("#new"))) == [.send(Message("JOIN", "#new"))])
        #expect(machine.handle(.joinRequested(WantedChannel("#NEW"))) == [.send(Message("JOIN", "#NEW"))])
        #expect(machine.desiredChannels.map(\.name) == ["#Main", "#secret", "#new"])
        // A new key is used from then on.
        _ = machine.handle(.joinRequested(WantedChannel("#SECRET", key: "newkey")))
        #expect(machine.desiredChannels[1] == WantedChannel("#secret", key: "newkey"))
    }

    @Test func partStopsWantingTheChannelAndItsPendingRejoin() {
        var machine = registered()
        _ = machine.handle(from("op!o@h", "KICK", "#Main", "bot"))
        let part = machine.handle(.partRequested(channel: "#MAIN", reason: "bye"))
        #expect(part == [.cancelTimer(.rejoin("#main")), .send(Message("PART", "#MAIN", "bye"))])
        #expect(!machine.isDesired("#main"))
        #expect(machine.handle(.timerFired(.rejoin("#main"))) == [])
        #expect(sends(machine.handle(.partRequested(channel: "#secret", reason: nil))) == [Message("PART", "#secret")])
        // Not wanted any more: a kick from it (it raced the PART) is not followed by a rejoin.
        #expect(started(machine.handle(from("op!o@h", "KICK", "#secret", "bot"))).isEmpty)
    }

    @Test func partWhileDisconnectedSendsNothing() {
        var machine = IRCSessionStateMachine(configuration: settings)
        #expect(machine.handle(.partRequested(channel: "#Main", reason: nil)) == [])
        #expect(sends(machine.handle(.registered(nick: "bot"))) == [Message("JOIN", "#secret", "sesame")])
    }

    // MARK: Connection end

    @Test func connectionEndCancelsEveryTimerAndForgetsTheServer() {
        var machine = registered(nick: "bot_", caseMapping: "ascii")
        _ = machine.handle(from("bot_!u@h", "JOIN", "#Main"))
        _ = machine.handle(from("op!o@h", "KICK", "#Main", "bot_"))
        _ = machine.handle(.joinRequested(WantedChannel("#added")))
        let end = machine.handle(.connectionEnded)
        #expect(Set(cancelled(end)) == [.nickRegain, .rejoin("#main")])
        #expect(machine.liveTimers.isEmpty)
        #expect(!machine.isRegistered)
        #expect(machine.joinedChannels.isEmpty)
        #expect(machine.nick == "bot")
        #expect(machine.hostmask == nil)
        #expect(machine.support.caseMapping == .rfc1459)
        // Late fires of the old connection's timers are stale.
        #expect(machine.handle(.timerFired(.nickRegain)) == [])
        #expect(machine.handle(.timerFired(.rejoin("#main"))) == [])
        // What we want survives: the next registration joins it all again.
        #expect(sends(machine.handle(.registered(nick: "bot"))).map { $0.params[0] } == ["#Main", "#secret", "#added"])
    }
}
