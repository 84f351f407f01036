import App
import Foundation
import Testing
import TestnetSupport

/// Owner commands on a network without services (ngIRCd: no accounts, no account-tag): the
/// owner is whoever wears an `owner_masks` pattern, here one on the user name (every test
/// client comes from 127.0.0.1, so the host cannot tell them apart). Anyone else is refused.
@Suite(.serialized, .timeLimit(.minutes(5)), .enabled(if: !Testnet.skipRequested, Testnet.ngircdSkipReason), .ngircdTestnet)
struct OwnerMasksOnNgircdTests {
    @Test func ownerByHostmaskRunsOwnerCommandsAndOthersAreRefused() async throws {
        let net = try Testnet.require(.ngircd)
        let harness = try await BotHarness.make(net)
        // ngIRCd runs no ident lookups here, so the USER name shows with a `~`.
        let config = harness.configText(networkKeys: #"owner_masks = ["*!~mjowner@127.0.0.1"]"#)
        let stranger = try await harness.user("eve")
        let owner = try await TestPeer.connect(to: net)
        let ownerNick = uniqueName("boss")
        let bot = try await harness.startInProcess(config)
        try await withCleanup {
            try await owner.register(nick: ownerNick, user: "mjowner")
            await owner.send("JOIN \(harness.channel)")
            _ = try await owner.expect("own JOIN of \(harness.channel)") { $0.command == "JOIN" && $0.source?.nick == ownerNick }
            _ = try await stranger.expect("the bot joining \(harness.channel)") {
                $0.command == "JOIN" && $0.source?.nick == harness.nick
            }
            let newChannel = "#" + uniqueName("own")
            let eve = await stranger.nick

            // Not the mask: refused, and !help leaves the owner commands out.
            await stranger.send("PRIVMSG \(harness.channel) :!join \(newChannel)")
            _ = try await stranger.said(by: harness.nick, "the refusal for a non-owner") {
                $0 == "\(eve): !join is for the bot's owners."
            }
            await stranger.send("PRIVMSG \(harness.channel) :!help")
            let help = try await stranger.said(by: harness.nick, "!help for a non-owner") { $0.hasPrefix("\(eve): Commands:") }
            #expect(!help.contains("join") && !help.contains("pending"), "\(help)")

            // The mask: an owner without any account.
            await owner.send("PRIVMSG \(harness.channel) :!help")
            let ownerHelp = try await owner.said(by: harness.nick, "!help for the owner") { $0.hasPrefix("\(ownerNick): Commands:") }
            #expect(ownerHelp.contains("join, part (leave), progress, pending, reload · "), "\(ownerHelp)")
            await owner.send("JOIN \(newChannel)")
            _ = try await owner.expect("own JOIN of \(newChannel)") { $0.command == "JOIN" && $0.params.first == newChannel }
            await owner.send("PRIVMSG \(harness.channel) :!join \(newChannel)")
            _ = try await owner.expect("the bot joining \(newChannel)") {
                $0.command == "JOIN" && $0.source?.nick == harness.nick && $0.params.first == newChannel
            }
            _ = try await owner.said(by: harness.nick, "the join confirmation") {
                $0 == "\(ownerNick): Joining \(newChannel); I'll rejoin it after a restart."
            }
            // The stranger cannot make it leave; the owner can.
            await stranger.send("JOIN \(newChannel)")
            _ = try await stranger.expect("own JOIN of \(newChannel)") { $0.command == "JOIN" && $0.params.first == newChannel && $0.source?.nick == eve }
            await stranger.send("PRIVMSG \(newChannel) :!part")
            _ = try await stranger.said(by: harness.nick, "the refusal of !part") { $0 == "\(eve): !part is for the bot's owners." }
            await owner.send("PRIVMSG \(newChannel) :!part")
            let part = try await owner.expect("the bot leaving \(newChannel)") {
                $0.command == "PART" && $0.source?.nick == harness.nick
            }
            #expect(part.params == [newChannel, "requested by \(ownerNick)"], "\(part)")
        } cleanup: {
            await bot.stop()
            await owner.quit()
            await stranger.quit()
            await harness.cleanUp()
        }
    }
}
