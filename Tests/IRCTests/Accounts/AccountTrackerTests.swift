import IRC
import Testing

@Suite struct AccountTrackerTests {
    func line(_ text: String) throws -> Message { try Message(parsing: text) }

    func tracker(_ caps: Set<String>) -> AccountTracker {
        var tracker = AccountTracker()
        tracker.capabilities = caps
        return tracker
    }

    @Test func accountTagIsTheTruthForEveryLine() throws {
        let tracker = tracker(["account-tag"])
        #expect(tracker.verifiedKnowledge(of: "alice", tag: "alice") == .loggedIn("alice"))
        #expect(tracker.verifiedKnowledge(of: "alice", tag: nil) == .loggedOut)
    }

    @Test func extendedJoinAndAccountNotifyKeepUsTold() throws {
        var tracker = tracker(["extended-join", "account-notify"])
        #expect(tracker.verifiedKnowledge(of: "Bob", tag: nil) == nil, "unknown nick: look it up")
        tracker.handle(try line(":Bob!b@h JOIN #c bobacct :Bob B"))
        #expect(tracker.verifiedKnowledge(of: "bob", tag: nil) == .loggedIn("bobacct"))
        tracker.handle(try line(":Bob!b@h ACCOUNT *"))
        #expect(tracker.verifiedKnowledge(of: "BOB", tag: nil) == .loggedOut)
        tracker.handle(try line(":Bob!b@h ACCOUNT other"))
        tracker.handle(try line(":Bob!b@h NICK Robert"))
        #expect(tracker.verifiedKnowledge(of: "robert", tag: nil) == .loggedIn("other"))
        #expect(tracker.verifiedKnowledge(of: "bob", tag: nil) == nil)
        tracker.handle(try line(":Robert!b@h PART #c"))
        #expect(tracker.verifiedKnowledge(of: "robert", tag: nil) == nil)
        tracker.handle(try line(":Carol!c@h JOIN #c * :Carol"))
        #expect(tracker.verifiedKnowledge(of: "carol", tag: nil) == .loggedOut)
        tracker.handle(try line(":Carol!c@h QUIT :bye"))
        #expect(tracker.knowledge(of: "carol") == nil)
    }

    @Test func withoutAccountNotifyNothingRememberedIsTrusted() throws {
        var tracker = tracker(["extended-join"])
        tracker.handle(try line(":Bob!b@h JOIN #c bobacct :Bob B"))
        #expect(tracker.knowledge(of: "bob") == .loggedIn("bobacct"))
        #expect(tracker.verifiedKnowledge(of: "bob", tag: nil) == nil)
    }

    @Test func whoxLookupAnswersForItsTokenOnly() throws {
        var tracker = tracker([])
        var support = ISupport()
        support.apply(token: "WHOX")
        let query = tracker.lookup(for: "Dave", support: support)
        #expect(query.serialized() == "WHO Dave %tna,152")
        #expect(tracker.handle(try line(":srv 354 me 999 Dave dave")).isEmpty, "someone else's WHO")
        #expect(tracker.handle(try line(":srv 354 me 152 Dave daveacct"))
                == [AccountTracker.LookupResult(nick: "Dave", knowledge: .loggedIn("daveacct"))])
        #expect(tracker.handle(try line(":srv 315 me Dave :End of /WHO")).isEmpty, "already answered")
        _ = tracker.lookup(for: "erin", support: support)
        #expect(tracker.handle(try line(":srv 354 me 152 Erin 0"))
                == [AccountTracker.LookupResult(nick: "Erin", knowledge: .loggedOut)])
        _ = tracker.lookup(for: "ghost", support: support)
        #expect(tracker.handle(try line(":srv 315 me ghost :End of /WHO"))
                == [AccountTracker.LookupResult(nick: "ghost", knowledge: nil)])
    }

    @Test func whoisLookupWithoutWhox() throws {
        var tracker = tracker([])
        #expect(tracker.lookup(for: "frank", support: ISupport()).serialized() == "WHOIS frank")
        #expect(tracker.handle(try line(":srv 311 me frank f h * :Frank")).isEmpty)
        #expect(tracker.handle(try line(":srv 330 me frank frankacct :is logged in as"))
                == [AccountTracker.LookupResult(nick: "frank", knowledge: .loggedIn("frankacct"))])
        #expect(tracker.handle(try line(":srv 318 me frank :End of /WHOIS list.")).isEmpty)
        _ = tracker.lookup(for: "gina", support: ISupport())
        #expect(tracker.handle(try line(":srv 318 me gina :End of /WHOIS list."))
                == [AccountTracker.LookupResult(nick: "gina", knowledge: .loggedOut)])
        _ = tracker.lookup(for: "nobody", support: ISupport())
        #expect(tracker.handle(try line(":srv 401 me nobody :No such nick"))
                == [AccountTracker.LookupResult(nick: "nobody", knowledge: nil)])
    }

    @Test func nicksFoldWithTheNetworksCaseMapping() throws {
        var rfc = tracker(["extended-join", "account-notify"])
        rfc.caseMapping = .rfc1459
        rfc.handle(try line(":Op[1]!o@h JOIN #c opacct :x"))
        #expect(rfc.verifiedKnowledge(of: "op{1}", tag: nil) == .loggedIn("opacct"))
        var ascii = tracker(["extended-join", "account-notify"])
        ascii.caseMapping = .ascii
        ascii.handle(try line(":Op[1]!o@h JOIN #c opacct :x"))
        #expect(ascii.verifiedKnowledge(of: "op{1}", tag: nil) == nil)
        #expect(ascii.verifiedKnowledge(of: "OP[1]", tag: nil) == .loggedIn("opacct"))
    }
}
