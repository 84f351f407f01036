import App
import Foundation
import Testing
import TestnetSupport

/// Owner commands over the real network: the owner is whoever is logged in to the owner's
/// services account (Atheme, IRCv3 account-tag), never whoever wears the owner's nick.
@Suite(.serialized, .enabled(if: !Testnet.skipRequested, Testnet.skipReason), .testnet)
struct AdminOnTestnetTests {
    /// The harness config with the testnet's owner account as the bot's only owner.
    static func ownerConfig(_ harness: BotHarness) -> String {
        let text = harness.configText()
        let configured = "owners = [\"\(harness.net.botAccount)-owner\"]"
        precondition(text.contains(configured), "BotHarness.configText changed its owners line")
        return text.replacingOccurrences(of: configured, with: "owners = [\"\(harness.net.ownerAccount)\"]")
    }

    @Test func ownerCommandsFollowTheAccountAndSurviveARestart() async throws {
        let net = try Testnet.require()
        let harness = try await BotHarness.make(net)
        // Someone takes the owner's nick without logging in to the owner's account.
        let peer = try await TestPeer.connect(to: net)
        try await peer.register(nick: net.ownerAccount)
        let me = net.ownerAccount
        await peer.send("JOIN \(harness.channel)")
        _ = try await peer.expect("own JOIN of \(harness.channel)") { $0.command == "JOIN" && $0.source?.nick == me }
        let config = Self.ownerConfig(harness)
        var bot = try await harness.startInProcess(config)
        do {
            _ = try await peer.expect("the bot joining \(harness.channel)") {
                $0.command == "JOIN" && $0.source?.nick == harness.nick
            }
            let newChannel = "#" + uniqueName("adm")

            await peer.send("PRIVMSG \(harness.channel) :!join \(newChannel)")
            _ = try await peer.said(by: harness.nick, "the refusal for the nick alone") {
                $0 == "\(me): !join is for the bot's owners."
            }
            await peer.send("PRIVMSG \(harness.channel) :!help")
            let help = try await peer.said(by: harness.nick, "!help for a non-owner") { $0.hasPrefix("\(me): Commands:") }
            #expect(!help.contains("join") && !help.contains("pending"), "\(help)")

            // Now logged in: the same nick is the owner.
            try await peer.identify(account: net.ownerAccount, password: net.ownerPassword)
            await peer.send("PRIVMSG \(harness.channel) :!help")
            let ownerHelp = try await peer.said(by: harness.nick, "!help for the owner") { $0.hasPrefix("\(me): Commands:") }
            #expect(ownerHelp.contains("join, part (leave), progress, pending, reload · "), "\(ownerHelp)")

            // !join: the bot appears in a channel that is in no config.
            await peer.send("JOIN \(newChannel)")
            _ = try await peer.expect("own JOIN of \(newChannel)") { $0.command == "JOIN" && $0.source?.nick == me }
            await peer.send("PRIVMSG \(harness.channel) :!join \(newChannel)")
            // JOIN goes out ahead of chat lines, so it comes before the confirmation.
            _ = try await peer.expect("the bot joining \(newChannel)") {
                $0.command == "JOIN" && $0.source?.nick == harness.nick && $0.params.first == newChannel
            }
            _ = try await peer.said(by: harness.nick, "the join confirmation") {
                $0 == "\(me): Joining \(newChannel); I'll rejoin it after a restart."
            }

            // !progress: set to quarter; a job stuck at 50 % now reports its progress.
            await peer.send("PRIVMSG \(harness.channel) :!progress")
            _ = try await peer.said(by: harness.nick, "the configured policy") {
                $0 == "\(me): Progress in \(harness.channel): off — nothing between the acknowledgement and the result (as configured)."
            }
            await peer.send("PRIVMSG \(harness.channel) :!progress every25")
            _ = try await peer.said(by: harness.nick, "the new policy") {
                $0 == "\(me): Progress in \(harness.channel) is now quarter: a line at 25, 50 and 75 %."
            }
            await harness.simulator.controls.stick(atPercent: 50)
            await peer.send("PRIVMSG \(harness.channel) :!imagine a heron that takes its time")
            _ = try await peer.said(by: harness.nick, "the acknowledgement") { $0.contains("ref ") }
            _ = try await peer.said(by: harness.nick, "a progress line") {
                $0.range(of: #"ref \d{4,} at (25|50) %$"#, options: .regularExpression) != nil
            }
            await peer.send("PRIVMSG \(harness.channel) :!pending")
            let pending = try await peer.said(by: harness.nick, "the !pending report") { $0.hasPrefix("\(me): 1 task pending") }
            #expect(pending.contains("in \(harness.channel)) · outbox empty · "), "\(pending)")
            await harness.simulator.controls.stick(atPercent: nil)
            _ = try await peer.said(by: harness.nick, "the result") { $0.contains("✅") && $0.contains("heron") }

            // A restart: the bot comes back to the channel it was told to join, with the policy.
            await bot.stop()
            _ = try await peer.expect("the bot quitting") { $0.command == "QUIT" && $0.source?.nick == harness.nick }
            bot = try await harness.startInProcess(config)
            _ = try await peer.expect("the bot rejoining \(newChannel) after the restart") {
                $0.command == "JOIN" && $0.source?.nick == harness.nick && $0.params.first == newChannel
            }
            await peer.send("PRIVMSG \(harness.channel) :!progress")
            _ = try await peer.said(by: harness.nick, "the policy after the restart") {
                $0 == "\(me): Progress in \(harness.channel): quarter — a line at 25, 50 and 75 % (set from chat)."
            }

            // !part from inside the channel: the PART, with who asked, is the answer.
            await peer.send("PRIVMSG \(newChannel) :!part")
            let part = try await peer.expect("the bot leaving \(newChannel)") {
                $0.command == "PART" && $0.source?.nick == harness.nick
            }
            #expect(part.params == [newChannel, "requested by \(me)"], "\(part)")
            await peer.send("PRIVMSG \(harness.channel) :!ping")
            _ = try await peer.said(by: harness.nick, "pong after the part") { $0 == "\(me): pong" }
            let spokeThere = await peer.lines().contains { $0.hasPrefix(":\(harness.nick)!") && $0.contains("PRIVMSG \(newChannel) ") }
            #expect(!spokeThere, "nothing said in the channel being left")
        } catch {
            await bot.stop()
            await peer.quit()
            await harness.cleanUp()
            throw error
        }
        await bot.stop()
        await peer.quit()
        await harness.cleanUp()
    }
}
