import App
import Foundation
import IRC
import MidjourneySimulator
import Testing
import TestnetSupport

/// Issue 12, on the real networks (InspIRCd + Atheme, and ngIRCd, which ends a connection on a
/// line over 512 bytes; the bot over TLS, the simulator behind it):
/// hostile text never becomes a command, a CTCP or a line break on the wire, as a second client
/// in the channel (and a third one in another channel) sees it.
///
/// IRC cannot carry CR, LF or NUL inside a PRIVMSG a peer types, so those come the way they
/// really can: in the proxy's text (here the simulator's `failReason`, echoed into the
/// channel). `\x01` can be typed, and is sent in prompts too. The split right before `\x01`
/// cannot be provoked through the bot's own lines (every one fits an IRC line since prompts
/// and reasons are cut by bytes); `LineSplitterTests.noLineCarriesACTCPMarker` covers it at
/// every offset.
@Suite(.serialized, .timeLimit(.minutes(10)), .enabled(if: !Testnet.skipRequested, Testnet.bothSkipReason), .testnets(.inspircd, .ngircd))
struct InjectionOnTestnetTests {
    @Test(arguments: TestnetServer.allCases)
    func hostileProxyTextAndPromptsStayInTheirLine(_ server: TestnetServer) async throws {
        try await BotOnTestnetTests().withBot(server) { harness, user in
            let net = try Testnet.require(server)
            let me = await user.nick
            // A watcher in a channel the injected text aims at.
            let other = "#" + uniqueName("other")
            let watcher = try await TestPeer.connect(to: net)
            try await watcher.register(nick: uniqueName("watch"))
            await watcher.send("JOIN \(other)")
            _ = try await watcher.expect("own JOIN of \(other)") { $0.command == "JOIN" }

            let chat = CommandsOnTestnetTests.Conversation(harness: harness, user: user, me: me)
            let fiveKB = String(repeating: "字🦊e\u{301}\u{1}ACTION x\u{1} ", count: 5000 / 22 + 1)
            let reasons = [
                "broken\r\nQUIT :x",
                "broken\nPRIVMSG \(other) :spam",
                "nul\u{0}here\r\nPRIVMSG \(other) :\u{1}ACTION spams\u{1}",
                "\u{1}ACTION fails\u{1}",
                "\u{1}DCC SEND x 2130706433 6667 1\u{1}",
                fiveKB,
            ]
            for reason in reasons {
                await harness.simulator.controls.failNextTasks(1, reason: reason)
                let (ref, result) = try await chat.submit("!imagine a fox")
                #expect(result.contains("❌") && result.contains("ref \(ref)"), "\(result)")
                #expect(result.utf8.count < 512)
            }

            // Typed prompts with CTCP markers and formatting, where the ack and the result quote them.
            for prompt in ["a \u{1}ACTION dances\u{1} fox", "\u{1}VERSION\u{1} a fox", "a fox \u{3}04red\u{2} \u{1}"] {
                let (_, result) = try await chat.submit("!imagine \(prompt)")
                #expect(result.contains("✅"), "\(result)")
            }

            // Still connected and answering, after everything.
            await user.send("PRIVMSG \(harness.channel) :\(harness.nick): ping")
            _ = try await user.said(by: harness.nick, "pong after the injections") { $0.hasPrefix("\(me):") && $0.lowercased().contains("pong") }

            let fromBot = await user.lines().compactMap { try? Message(parsing: $0) }.filter { $0.source?.nick == harness.nick }
            #expect(!fromBot.isEmpty)
            for line in fromBot {
                // No QUIT, no PRIVMSG elsewhere: only chat to this channel or this user, and the JOIN.
                #expect(["PRIVMSG", "NOTICE", "JOIN", "MODE"].contains(line.command), "an extra command: \(line.serialized())")
                #expect(line.params.first == harness.channel || line.params.first == me, "\(line.serialized())")
                let text = line.params.last ?? ""
                #expect(!text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }, "\(text.debugDescription)")
            }
            // The other channel heard nothing from the bot.
            await watcher.send("PING :sync")
            _ = try await watcher.expect("PONG") { $0.command == "PONG" }
            let heard = await watcher.lines()
            #expect(!heard.contains { $0.hasPrefix(":\(harness.nick)!") }, "\(heard)")
            await watcher.quit()
        }
    }

    /// The proxy's result link is untrusted text too: the simulator hands back a result
    /// `imageUrl` carrying line breaks, NUL, a CTCP and 5 KB, and the bot's result line
    /// (and any continuation) stays one plain PRIVMSG to this channel.
    @Test(arguments: TestnetServer.allCases)
    func hostileResultImageUrlsStayInTheirLine(_ server: TestnetServer) async throws {
        try await BotOnTestnetTests().withBot(server) { harness, user in
            let net = try Testnet.require(server)
            let me = await user.nick
            let other = "#" + uniqueName("other")
            let watcher = try await TestPeer.connect(to: net)
            try await watcher.register(nick: uniqueName("watch"))
            await watcher.send("JOIN \(other)")
            _ = try await watcher.expect("own JOIN of \(other)") { $0.command == "JOIN" }

            let chat = CommandsOnTestnetTests.Conversation(harness: harness, user: user, me: me)
            let base = harness.simulator.apiBaseURL
            let urls = [
                "\(base)/a.png\r\nQUIT :x",
                "\(base)/a.png\nPRIVMSG \(other) :spam",
                "\(base)/a\u{0}b.png\r\nPRIVMSG \(other) :\u{1}ACTION spams\u{1}",
                "\(base)/a.png?\u{1}ACTION x\u{1}",
                "\u{1}ACTION x\u{1}",
                "\(base)/" + String(repeating: "%01ACTION%20x\u{1}ACTION x\u{1}/", count: 5000 / 24 + 1) + "a.png",
            ]
            #expect(urls.last!.utf8.count > 5000)
            for url in urls {
                await harness.simulator.controls.replaceImageUrlOfNextTasks(1, with: url)
                let ack = try await chat.ask("!imagine a fox", "the acknowledgement") { $0.contains("— ref ") }
                let ref = try #require(BotOnTestnetTests.reference(in: ack), "no ref in \(ack)")
                // The result line; a link too long for one line is continued, and the ref ends
                // the last of them. Either way the first one says it succeeded.
                let last = try await user.said(by: harness.nick, "the result of ref \(ref)") { $0.contains("ref \(ref)") }
                #expect(!last.contains("❌"), "\(last)")
            }
            let successes = await user.lines().filter { $0.hasPrefix(":\(harness.nick)!") && $0.contains("✅") }
            #expect(successes.count == urls.count, "\(successes)")
            // The 5 KB link is not posted at all (it would take a dozen lines, and cut, it is useless).
            #expect(successes.last?.contains("too long to post") == true, "\(successes.last ?? "")")

            // Still connected and answering, after everything.
            await user.send("PRIVMSG \(harness.channel) :!ping")
            _ = try await user.said(by: harness.nick, "pong after the injections") { $0 == "\(me): pong" }

            let fromBot = await user.lines().compactMap { try? Message(parsing: $0) }.filter { $0.source?.nick == harness.nick }
            #expect(!fromBot.isEmpty)
            for line in fromBot {
                #expect(["PRIVMSG", "NOTICE", "JOIN", "MODE"].contains(line.command), "an extra command: \(line.serialized())")
                #expect(line.params.first == harness.channel || line.params.first == me, "\(line.serialized())")
                let text = line.params.last ?? ""
                #expect(!text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }, "\(text.debugDescription)")
            }
            await watcher.send("PING :sync")
            _ = try await watcher.expect("PONG") { $0.command == "PONG" }
            let heard = await watcher.lines()
            #expect(!heard.contains { $0.hasPrefix(":\(harness.nick)!") }, "\(heard)")
            await watcher.quit()
        }
    }
}
