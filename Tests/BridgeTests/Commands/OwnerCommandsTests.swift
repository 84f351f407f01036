import Foundation
import Testing
@testable import Bridge

/// `!join`, `!part`, `!progress`, `!pending`: for owners (account `root` in the harness)
/// only, remembered across restarts, with a real bridge, store and simulator.
@Suite struct OwnerCommandsTests {
    static let owner = "root"

    func asOwner(_ h: BridgeHarness, _ text: String, in channel: String? = BridgeHarness.channel) async {
        await h.say(text, as: "root", account: Self.owner, in: channel)
    }

    @Test func othersAreRefusedEvenWithTheOwnersNick() async throws {
        try await BridgeHarness.with { h in
            await h.say("!join #new", as: "root")
            #expect(await h.lastLine == "root: !join is for the bot's owners.")
            await h.say("!pending", as: "root", account: "mallory")
            #expect(await h.lastLine == "root: !pending is for the bot's owners.")
            await h.say("!progress off", as: "root", account: "mallory")
            #expect(await h.lastLine == "root: !progress is for the bot's owners.")
            await h.say("part #art", as: "mallory", in: nil)
            #expect(await h.lastLine == "!part is for the bot's owners.")
            #expect(await h.transport.channelRequests.isEmpty)
        }
    }

    @Test func helpListsOwnerCommandsOnlyToOwners() async throws {
        try await BridgeHarness.with { h in
            await h.say("!help")
            let everyone = await h.lastLine
            #expect(!everyone.contains("join") && !everyone.contains("pending"), "\(everyone)")
            await asOwner(h, "!help")
            #expect(await h.lastLine.contains("join, part (leave), progress, pending, reload · "))
            await asOwner(h, "!help part")
            #expect(await h.lines.suffix(2) == ["root: Usage: !part [#channel] [reason] — Has the bot leave a channel (default: this one); it stays out after restarts until joined again. Also: !leave.",
                                                 "root: Examples: !part · !part #art see you"])
            await h.say("!help part")
            #expect(await h.lastLine == "alice: No command \"part\". !help lists them all.")
        }
    }

    @Test func joinAndPartAreRememberedAcrossARestart() async throws {
        try await BridgeHarness.with { h in
            await h.transport.setJoined(only: [BridgeHarness.channel], network: BridgeHarness.network)
            await asOwner(h, "!join #new sesame")
            #expect(await h.lastLine == "root: Joining #new; I'll rejoin it after a restart.")
            await asOwner(h, "!join #ART")
            #expect(await h.lastLine == "root: I'm already in #ART.")
            await asOwner(h, "!join new")
            #expect(await h.lastLine == "root: Usage: !join <#channel> [key]")
            await asOwner(h, "!join #a,#b")
            #expect(await h.lastLine == "root: Usage: !join <#channel> [key]")
            await asOwner(h, "!part #new see you")
            #expect(await h.lastLine == "root: Left #new; I won't rejoin it after a restart.")
            await asOwner(h, "join #other", in: nil)
            #expect(await h.lastLine == "Joining #other; I'll rejoin it after a restart.")
            #expect(await h.transport.channelRequests
                    == ["JOIN testnet #new sesame", "PART testnet #new :see you", "JOIN testnet #other"])

            try await h.restart()
            await h.bridge.restoreChannels()
            #expect(await h.transport.channelRequests.dropFirst(3) == ["PART testnet #new", "JOIN testnet #other"])
        }
    }

    @Test func leavingTheCurrentChannelIsAnsweredByThePartItself() async throws {
        try await BridgeHarness.with { h in
            let before = await h.lines.count
            await asOwner(h, "!part")
            #expect(await h.lines.count == before, "nothing said in the channel being left")
            #expect(await h.transport.channelRequests == ["PART testnet #art :requested by root"])
            #expect(await !h.transport.isJoined(network: BridgeHarness.network, channel: "#art"))
            await asOwner(h, "part", in: nil)
            #expect(await h.lastLine == "Usage: !part [#channel] [reason]")
        }
    }

    @Test func aTransportWithoutChannelsSaysSoAndNothingIsRemembered() async throws {
        try await BridgeHarness.with { h in
            await h.transport.setRefusesChannels(true)
            await h.transport.setJoined(only: [], network: BridgeHarness.network)
            await asOwner(h, "!join #new")
            #expect(await h.lastLine == "root: I cannot join #new: this chat connection cannot join or leave channels.")
            await asOwner(h, "!part #art")
            #expect(await h.lastLine == "root: I cannot leave #art: this chat connection cannot join or leave channels.")
            await h.transport.setRefusesChannels(false)
            try await h.restart()
            await h.bridge.restoreChannels()
            #expect(await h.transport.channelRequests.isEmpty)
        }
    }

    @Test func progressIsShownSetAndKeptAcrossARestart() async throws {
        try await BridgeHarness.with { h in
            await asOwner(h, "!progress")
            #expect(await h.lastLine == "root: Progress in #art: off — nothing between the acknowledgement and the result (as configured).")
            await asOwner(h, "!progress sometimes")
            #expect(await h.lastLine == "root: Progress is off, started or quarter (also every25).")
            await asOwner(h, "!progress every25")
            #expect(await h.lastLine == "root: Progress in #art is now quarter: a line at 25, 50 and 75 %.")
            await asOwner(h, "progress #Other started", in: nil)
            #expect(await h.lastLine == "Progress in #Other is now started: one line when the job starts.")

            try await h.restart()
            await asOwner(h, "!progress")
            #expect(await h.lastLine == "root: Progress in #art: quarter — a line at 25, 50 and 75 % (set from chat).")
            // The tracker of the restarted bridge follows it.
            await h.say("!imagine a red fox")
            let before = await h.lines.count
            for _ in 0..<5 {
                h.clock.advance(by: 30)
                await h.advance(milliseconds: 1)
            }
            await h.finishJobs()
            let said = await h.lines(after: before)
            #expect(said.filter { $0.contains(" at ") && $0.hasSuffix(" %") }.count == 3, "\(said)")
        }
    }

    @Test func pendingReportsTasksOutboxAndTheLastPoll() async throws {
        try await BridgeHarness.with { h in
            await asOwner(h, "!pending")
            #expect(await h.lastLine == "root: No tasks pending · outbox empty · no poll has asked the proxy yet.")

            await h.say("!imagine a slow heron")
            let ref = try #require(BridgeHarness.ref(in: await h.lastLine))
            h.clock.advance(by: 200)
            await h.bridge.tracker.poll(everything: true)
            h.clock.advance(by: 5)
            await asOwner(h, "!pending")
            #expect(await h.lastLine == "root: 1 task pending, the oldest for 3 min 25 s (ref \(ref) in #art) · outbox empty · last poll 5 s ago reached the proxy.")

            // The bot is out of #art when the result comes: it is held in the outbox.
            await h.transport.setJoined(only: [], network: BridgeHarness.network)
            await h.finishJobs()
            h.clock.advance(by: 60)
            await h.say("!imagine a second heron", as: "bob", in: nil)
            await h.sim.controls.setOutage(true)
            h.clock.advance(by: 1)
            await h.bridge.tracker.poll(everything: true)
            await asOwner(h, "pending", in: nil)
            let report = await h.lastLine
            #expect(report.hasPrefix("1 task pending, the oldest for 1 s (ref "), "\(report)")
            #expect(report.contains(" in private) · 1 line held (#art for 1 min 1 s: the bot is not in #art (yet)) · last poll 0 s ago did not reach the proxy: "),
                    "\(report)")
            await h.sim.controls.setOutage(false)
        }
    }
}

@Suite struct OwnerCommandsFormattingTests {
    @Test func ages() {
        #expect(CommandContext.age(0) == "0 s")
        #expect(CommandContext.age(59.9) == "59 s")
        #expect(CommandContext.age(120) == "2 min")
        #expect(CommandContext.age(205) == "3 min 25 s")
        #expect(CommandContext.age(7500) == "2 h 5 min")
        #expect(CommandContext.age(3 * 86_400 + 4 * 3600 + 59) == "3 d 4 h")
        #expect(CommandContext.age(-5) == "0 s")
    }

    @Test func channelNames() {
        #expect(ChannelName.isValid("#art") && ChannelName.isValid("&local") && ChannelName.isValid("#ünï"))
        #expect(!ChannelName.isValid("art") && !ChannelName.isValid("#") && !ChannelName.isValid("#a b"))
        #expect(!ChannelName.isValid("#a,#b") && !ChannelName.isValid("#a\u{7}") && !ChannelName.isValid("#a:"))
        // A Matrix alias or room id: the colon is its server part.
        #expect(ChannelName.isValid("#art:example.org") && ChannelName.isValid("!AbC:example.org") && !ChannelName.isValid("#a b:x"))
        #expect(!ChannelName.isValid("#" + String(repeating: "x", count: 50)))
        #expect(ChannelName.isValidKey("sesame") && !ChannelName.isValidKey("a,b") && !ChannelName.isValidKey(""))
    }
}
