import Foundation
import MidjourneySimulator
import Store
import Testing
@testable import Bridge

/// The limits through a real ChatBridge, SQLite file and simulator, on a manual clock that starts
/// at 2025-05-27 09:43:49 UTC (14 h 16 min 11 s before midnight).
@Suite struct LimitFlowTests {
    /// Everything off but what a test turns on.
    static func limits(_ adjust: @escaping (inout LimitSettings) -> Void) -> (inout BridgeConfiguration) -> Void {
        { configuration in
            var limits = LimitSettings.unlimited
            adjust(&limits)
            configuration.limits = limits
        }
    }

    static let untilMidnight: TimeInterval = 1_748_390_400 - 1_748_339_029

    @Test func dailyQuotaRefusesNamesTheResetAndRollsOverAtMidnightUTC() async throws {
        try await BridgeHarness.with(bridge: Self.limits { $0.dailyJobs = 2 }) { h in
            _ = try await h.imagined("a red fox")
            _ = try await h.imagined("a blue whale")
            let created = await h.sim.controls.stats().tasksCreated
            await h.say("!imagine a third one")
            #expect(await h.lastLine == "alice: daily limit of 2 jobs reached; resets at 00:00 UTC (in 14 h 17 min).")
            #expect(await h.sim.controls.stats().tasksCreated == created, "nothing reached the proxy")
            // Buttons are jobs too.
            await h.say("!u1")
            #expect(await h.lastLine.hasPrefix("alice: daily limit of 2 jobs reached"))
            // Queries are not.
            await h.say("!tasks")
            #expect(!(await h.lastLine.contains("daily limit")))

            // A restart keeps the count.
            try await h.restart()
            await h.say("!imagine after a restart")
            #expect(await h.lastLine.hasPrefix("alice: daily limit of 2 jobs reached"))
            await h.say("!quota")
            #expect(await h.lastLine == "alice: 2 jobs of 2 used today; resets at 00:00 UTC (in 14 h 17 min).")

            // One second before midnight: still refused, "in 1 s"; at midnight, a new day.
            h.clock.advance(by: Self.untilMidnight - 1)
            await h.say("!imagine almost tomorrow")
            #expect(await h.lastLine == "alice: daily limit of 2 jobs reached; resets at 00:00 UTC (in 1 s).")
            h.clock.advance(by: 1)
            _ = try await h.imagined("a new day")
            await h.say("!quota")
            #expect(await h.lastLine == "alice: 1 job of 2 used today; resets at 00:00 UTC (in 24 h).")
        }
    }

    @Test func aJobThatNeverReachedTheProxyIsGivenBack() async throws {
        try await BridgeHarness.with(flavor: .novicezk, bridge: Self.limits { $0.dailyJobs = 1; $0.cooldownSeconds = 30 }) { h in
            // The proxy refuses it (its own banned words, code 24 at submit).
            await h.sim.controls.setBannedWords(["kitten"])
            await h.say("!imagine a kitten")
            let refusal = await h.lastLine
            #expect(!refusal.contains("ref "), "\(refusal)")
            // A button with nothing to press.
            await h.say("!u2")
            #expect(await h.lastLine == "alice: You have no task here offering U2; add a ref (see !tasks).")
            // Neither spent the unit nor started the cooldown.
            await h.say("!quota")
            #expect(await h.lastLine.hasPrefix("alice: 0 jobs of 1 used today"))
            _ = try await h.imagined("a puppy")
            await h.say("!quota")
            #expect(await h.lastLine.hasPrefix("alice: 1 job of 1 used today"))
        }
    }

    @Test func pendingCapsPerUserChannelAndTotal() async throws {
        try await BridgeHarness.with(bridge: Self.limits { $0.pendingPerUser = 1; $0.pendingPerChannel = 2; $0.pendingTotal = 3 }) { h in
            await h.say("!imagine one")
            #expect(await h.lastLine.contains("ref "))
            await h.say("!imagine two")
            #expect(await h.lastLine == "alice: you have 1 job running; wait for one to finish.")
            await h.say("!imagine for bob", as: "bob")
            #expect(await h.lastLine.hasPrefix("bob: ⏳"))
            await h.say("!imagine for carol", as: "carol")
            #expect(await h.lastLine == "carol: this channel has 2 jobs running; wait for one to finish.")
            // Privately there is no channel cap, but the total is 3.
            await h.say("!imagine for carol", as: "carol", in: nil)
            #expect(await h.lastLine.contains("ref "))
            await h.say("!imagine for dave", as: "dave", in: nil)
            #expect(await h.lastLine == "I have 3 jobs running, my maximum; try again when one finishes.")
            // Finished jobs free their slots.
            await h.finishJobs()
            await h.say("!imagine two")
            let again = await h.lastLine
            #expect(again.contains("ref "), "\(again)")
        }
    }

    @Test func cooldownBetweenOneUsersSubmissions() async throws {
        try await BridgeHarness.with(bridge: Self.limits { $0.cooldownSeconds = 10 }) { h in
            _ = try await h.imagined("one")
            h.clock.advance(by: 3)
            await h.say("!imagine two")
            #expect(await h.lastLine == "alice: one job per 10 s: wait 7 s before the next.")
            await h.say("!imagine two", in: nil)
            #expect(await h.lastLine == "One job per 10 s: wait 7 s before the next.", "in private the sentence starts the line")
            await h.say("!imagine for bob", as: "bob")
            #expect(await h.lastLine.hasPrefix("bob: ⏳"), "the cooldown is per user")
            h.clock.advance(by: 7)
            await h.say("!imagine two")
            #expect(await h.lastLine.hasPrefix("alice: ⏳"))
        }
    }

    @Test func commandFloodIsIgnoredForAMinuteWithOneNotice() async throws {
        try await BridgeHarness.with(bridge: Self.limits { $0.commandsPer30s = 3 }) { h in
            for _ in 0..<3 { await h.say("!ping") }
            // Chat that is not a command does not count.
            await h.say("just talking")
            #expect(await h.lines == ["alice: pong", "alice: pong", "alice: pong"])
            for _ in 0..<5 { await h.say("!ping") }
            let sent = await h.transport.sent
            #expect(sent.count == 4)
            let notice = try #require(sent.last)
            #expect(notice.style == .notice && notice.target == "alice")
            #expect(notice.text == "You're sending commands too fast (more than 3 in 30 s); I'll ignore you for 60 s.")
            await h.say("!ping", as: "bob")
            #expect(await h.lastLine == "bob: pong")
            h.clock.advance(by: 59)
            await h.say("!ping")
            #expect(await h.lastLine == "bob: pong")
            h.clock.advance(by: 1)
            await h.say("!ping")
            #expect(await h.lastLine == "alice: pong")
            // Owners are exempt.
            for _ in 0..<10 { await h.say("!ping", as: "boss", account: "root") }
            #expect(await h.lines.suffix(10) == Array(repeating: "boss: pong", count: 10))
        }
    }

    /// On Matrix there is no nick to send a private notice to (the sender is a display name),
    /// and opening a direct room uninvited is intrusive: the notice goes into the same room,
    /// as a reply to the command that crossed the limit, mentioning its sender.
    @Test func theFloodNoticeToAMatrixSenderIsANoticeReplyingInTheRoom() async throws {
        try await BridgeHarness.with(bridge: Self.limits { $0.commandsPer30s = 2 }) { h in
            func event(_ n: Int) -> ChatEvent {
                var event = ChatEvent(network: "mx", target: .channel("!room:example.org"), sender: "Alice A.",
                                      account: "@alice:example.org", text: "!ping", botNick: "mjb", caseMapping: .ascii)
                event.replyTo = ReplyReference(eventID: "$ping\(n)", threadRoot: "$thread", userID: "@alice:example.org")
                return event
            }
            for n in 1...3 { await h.hear(event(n)) }
            let sent = await h.transport.sent
            #expect(sent.count == 3)
            let notice = try #require(sent.last)
            #expect(notice.network == "mx" && notice.target == "!room:example.org", "in the room, never to the display name")
            #expect(notice.style == .notice)
            #expect(notice.replyTo == ReplyReference(eventID: "$ping3", threadRoot: "$thread", userID: "@alice:example.org"))
            #expect(notice.text == "Alice A.: You're sending commands too fast (more than 2 in 30 s); I'll ignore you for 60 s.")
            // Still ignored afterwards, silently.
            await h.hear(event(4))
            #expect(await h.transport.sent.count == 3)
        }
    }

    @Test func bannedWordsAreRefusedBeforeTheProxyWithoutEchoingThem() async throws {
        try await BridgeHarness.with(bridge: Self.limits { $0.bannedWords = ["ass", "hot dog"] }) { h in
            let before = await h.sim.controls.stats().requests
            for prompt in ["an ASS in a field", "a fullwidth Ａss", "a\u{2}ss with bold", "a HOT  dog"] {
                await h.say("!imagine \(prompt)")
                #expect(await h.lastLine == "alice: that prompt contains a word that isn't allowed here.")
            }
            // Owners too: it is the channel's rule, not a quantity.
            await h.say("!imagine an ass", as: "boss", account: "root")
            #expect(await h.lastLine == "boss: that prompt contains a word that isn't allowed here.")
            #expect(await h.sim.controls.stats().requests == before, "nothing was sent to the proxy")
            _ = try await h.imagined("green grass and a hotdog")
        }
    }

    @Test func quotaShowsAndAdminsSetItByNickAccountOrDefault() async throws {
        try await BridgeHarness.with(bridge: Self.limits { $0.dailyJobs = 3 }) { h in
            await h.say("!quota")
            #expect(await h.lastLine == "alice: 0 jobs of 3 used today; resets at 00:00 UTC (in 14 h 17 min).")
            _ = try await h.imagined("one")
            await h.say("!quota bob")
            #expect(await h.lastLine == "alice: Only admins can see or set other people's quotas; !quota alone shows yours.")

            // The owner names alice by the nick she last submitted with.
            await h.say("!quota alice", as: "boss", account: "root")
            #expect(await h.lastLine == "boss: alice: 1 job of 3 used today; resets at 00:00 UTC (in 14 h 17 min).")
            await h.say("!quota alice 1", as: "boss", account: "root")
            #expect(await h.lastLine == "boss: alice's limit today is 1 job; it goes back to their usual one at 00:00 UTC.")
            await h.say("!imagine two")
            #expect(await h.lastLine.hasPrefix("alice: daily limit of 1 job reached"))
            await h.say("!quota")
            #expect(await h.lastLine == "alice: 1 job of 1 used today (today only); resets at 00:00 UTC (in 14 h 17 min).")

            await h.say("!quota alice unlimited", as: "boss", account: "root")
            _ = try await h.imagined("two")
            await h.say("!quota")
            #expect(await h.lastLine == "alice: 2 jobs today (UTC); no daily limit (today only).")

            // A default for alice, then everyone's.
            await h.say("!quota alice 5 always", as: "boss", account: "root")
            #expect(await h.lastLine == "boss: alice's daily limit is now 5 jobs, from today on.")
            await h.say("!quota")
            #expect(await h.lastLine.hasPrefix("alice: 2 jobs of 5 used today (set for you)"))
            await h.say("!quota default 1", as: "boss", account: "root")
            #expect(await h.lastLine == "boss: Everyone's daily limit is now 1 job (set from chat).")
            await h.say("!imagine for bob", as: "bob")
            #expect(await h.lastLine.hasPrefix("bob: ⏳"))
            await h.say("!imagine again", as: "bob")
            #expect(await h.lastLine.hasPrefix("bob: daily limit of 1 job reached"))
            await h.say("!quota alice reset", as: "boss", account: "root")
            #expect(await h.lastLine == "boss: alice is back to everyone's daily limit (1 job).")
            await h.say("!quota default reset", as: "boss", account: "root")
            #expect(await h.lastLine == "boss: Everyone's daily limit is back to the configured 3 jobs.")
            await h.say("!quota bob", as: "boss", account: "root")
            #expect(await h.lastLine.hasPrefix("boss: bob: 1 job of 3 used today"))

            // Overrides are kept across a restart.
            await h.say("!quota bob 9 always", as: "boss", account: "root")
            try await h.restart()
            await h.say("!quota", as: "bob")
            #expect(await h.lastLine.hasPrefix("bob: 1 job of 9 used today (set for you)"))

            await h.say("!quota alice lots", as: "boss", account: "root")
            #expect(await h.lastLine == "boss: Usage: !quota [user|default] [n|unlimited|reset] [always]")
        }
    }

    @Test func ownersAreCountedButNotRefusedUnlessNotExempt() async throws {
        try await BridgeHarness.with(bridge: Self.limits { $0.dailyJobs = 1; $0.cooldownSeconds = 60; $0.pendingPerUser = 1 }) { h in
            for prompt in ["one", "two", "three"] {
                await h.say("!imagine \(prompt)", as: "boss", account: "root")
                #expect(await h.lastLine.hasPrefix("boss: ⏳"))
            }
            await h.say("!quota", as: "boss", account: "root")
            #expect(await h.lastLine == "boss: 3 jobs of 1 used today; resets at 00:00 UTC (in 14 h 17 min). Admins are not held by the limits.")
        }
        try await BridgeHarness.with(bridge: Self.limits { $0.dailyJobs = 1; $0.adminsExempt = false }) { h in
            _ = try await h.imagined("one", as: "boss")
            await h.say("!imagine two", as: "boss", account: "root")
            #expect(await h.lastLine.hasPrefix("boss: ⏳"), "a different identity: the account, not the nick")
            await h.say("!imagine three", as: "boss", account: "root")
            #expect(await h.lastLine.hasPrefix("boss: daily limit of 1 job reached"))
        }
    }

    /// Ten submissions at once against a cap of one: one passes, one task reaches the proxy.
    @Test func concurrentSubmissionsCannotBothPassACap() async throws {
        try await BridgeHarness.with(bridge: Self.limits { $0.pendingPerUser = 1 }) { h in
            await withTaskGroup(of: Void.self) { group in
                for i in 0..<10 { group.addTask { await h.say("!imagine race \(i)") } }
            }
            let lines = await h.lines
            #expect(lines.filter { $0.contains("ref ") }.count == 1, "\(lines)")
            #expect(lines.filter { $0 == "alice: you have 1 job running; wait for one to finish." }.count == 9)
            #expect(await h.sim.controls.stats().tasksCreated == 1)
        }
    }
}
