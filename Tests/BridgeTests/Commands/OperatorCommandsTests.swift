import Foundation
import Testing
@testable import Bridge

/// `!stats` and `!reload` with a real bridge, store and simulator, and what a swap of the
/// live settings does to a running bridge (the App's reloader does that swap).
@Suite struct OperatorCommandsTests {
    func asOwner(_ h: BridgeHarness, _ text: String) async {
        await h.say(text, as: "root", account: "root")
    }

    @Test func statsCountsTodaysTasksFromTheStore() async throws {
        try await BridgeHarness.with { h in
            await asOwner(h, "!stats")
            #expect(await h.lastLine == "root: Today (UTC): 0 submitted, 0 succeeded, 0 failed, 0 cancelled, no result yet; "
                    + "0 pending now; since the start at 09:43 UTC: 0 proxy errors, 0 reconnects.")

            // Two successes, after 30 s and 90 s: the median is 60 s.
            await h.say("!imagine a quick fox")
            h.clock.advance(by: 30)
            await h.finishJobs()
            await h.say("!imagine a slower fox")
            h.clock.advance(by: 90)
            await h.finishJobs()
            // A failure, a cancel, one left running.
            await h.sim.controls.failNextTasks(1, reason: "boom")
            await h.say("!imagine a doomed fox")
            await h.finishJobs()
            await h.say("!imagine a fox to cancel")
            await h.say("!cancel")
            #expect(await h.lastLine.contains("was cancelled"))
            // Accepted, and the simulator is not run on: it stays pending.
            await h.say("!imagine a fox that takes its time")
            // The proxy down: a command and a poll fail.
            await h.sim.controls.setOutage(true)
            await h.say("!imagine a fox nobody hears of")
            await h.bridge.tracker.poll(everything: true)
            await h.sim.controls.setOutage(false)

            h.clock.advance(by: 3600)
            await asOwner(h, "!stats")
            let stats = await h.lastLine
            let recent = await h.lines.suffix(12)
            #expect(stats == "root: Today (UTC): 5 submitted, 2 succeeded, 1 failed, 1 cancelled, median 1 min to result; "
                    + "1 pending now; since the start at 09:43 UTC: 2 proxy errors, 0 reconnects.", "\(recent)")

            // The next UTC day starts from zero; what is still pending is still pending.
            h.clock.advance(by: 86_400)
            await asOwner(h, "!stats")
            let tomorrow = await h.lastLine
            #expect(tomorrow == "root: Today (UTC): 0 submitted, 0 succeeded, 0 failed, 0 cancelled, no result yet; 1 pending now; "
                    + "0 proxy errors, 0 reconnects.", "\(tomorrow)")
        }
    }

    @Test func reloadNeedsAConfigFileAndAnOwner() async throws {
        try await BridgeHarness.with { h in
            await h.say("!reload", as: "root", account: "mallory")
            #expect(await h.lastLine == "root: !reload is for the bot's owners.")
            await asOwner(h, "!reload")
            #expect(await h.lastLine == "root: This bot was not started from a config file, so there is nothing to re-read.")
            await asOwner(h, "!reload now")
            #expect(await h.lastLine == "root: Usage: !reload")
            await h.say("!help")
            let help = await h.lastLine
            #expect(help.hasPrefix("alice: Commands:") && !help.contains("reload") && !help.contains("stats"), "\(help)")
        }
    }

    @Test func swappedLiveSettingsTakeEffectAtTheNextLine() async throws {
        try await BridgeHarness.with { h in
            await h.say("!join #new", as: "carol", account: "carol")
            #expect(await h.lastLine == "carol: !join is for the bot's owners.")
            var settings = h.bridge.live.current
            settings.ownerAccounts = ["root", "Carol"]
            settings.commandPrefix = "."
            settings.replyStyle = .notice
            settings.channelProgress[BridgeConfiguration.channelKey(network: BridgeHarness.network, channel: "#art")] = .quarter
            h.bridge.live.replace(with: settings)

            await h.say(".progress", as: "carol", account: "carol")
            #expect(await h.lastLine == "carol: Progress in #art: quarter — a line at 25, 50 and 75 % (as configured).")
            #expect(await h.transport.sent.last?.style == .notice)
            let before = await h.lines.count
            await h.say("!ping")
            #expect(await h.lines.count == before, "the old prefix is no longer a command")
            // The transports' pre-check follows the reload too.
            let line = { (text: String) in ChatEvent(network: BridgeHarness.network, target: .channel("#art"), sender: "alice", text: text) }
            #expect(!h.bridge.mayBeCommand(line("!ping")))
            #expect(h.bridge.mayBeCommand(line(".ping")))
            await h.say(".imagine a fox")
            #expect(await h.lastLine.contains("ref "))
            await h.finishJobs()
            let result = try #require(await h.lines.last { $0.contains("✅") })
            #expect(result.contains(".u1"), "results name the new prefix: \(result)")

            settings.ownerAccounts = ["root"]
            h.bridge.live.replace(with: settings)
            await h.say(".progress", as: "carol", account: "carol")
            #expect(await h.lastLine == "carol: .progress is for the bot's owners.")
        }
    }
}
