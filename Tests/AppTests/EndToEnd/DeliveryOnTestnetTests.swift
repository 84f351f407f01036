import App
import AsyncHTTPClient
import Foundation
import IRC
import MidjourneySimulator
import NIOCore
import Store
import Testing
import TestnetSupport
#if canImport(Glibc)
import Glibc
#endif

/// The delivery guarantee on the real network (InspIRCd + Atheme), seen from outside: what a
/// user in the channel reads (a `TestPeer`), what the bot's SQLite outbox says (`sentAt`), how
/// fast its HTTP listener answers. The server is frozen (SIGSTOP), killed and restarted, the
/// channel moderated, a channel left — the cases where "marked sent when written to the
/// socket" loses results.
///
/// The suite has networks of its own (the trait starts them per suite), so freezing and killing
/// their servers disturbs no other suite; `ServerControl.restore()` hands the next test a
/// running server even when one fails. The frozen-server and moderated-channel cases run on
/// InspIRCd (confirmed by echo-message/labels) and on ngIRCd (neither: confirmed by the PING
/// barrier); the others stay on InspIRCd: the cut after the first piece needs an oper CHGHOST,
/// the dead-letter case the owner's services account, the 100 held lines repeat the +m case.
@Suite(.serialized, .timeLimit(.minutes(10)), .enabled(if: !Testnet.skipRequested, Testnet.bothSkipReason), .testnets(.inspircd, .ngircd))
struct DeliveryOnTestnetTests {
    static let foxes = ["first frozen fox", "second frozen fox", "third frozen fox"]

    // MARK: 1. Frozen server

    /// Three results fall due while InspIRCd is frozen: none is marked sent (the server took
    /// nothing), and after it thaws each arrives exactly once.
    @Test(arguments: TestnetServer.allCases)
    func frozenServerMarksNothingSentAndEachResultArrivesOnceAfterItThaws(_ server: TestnetServer) async throws {
        try await frozenServerScenario(server, killWhileFrozen: false)
    }

    /// As above, but the frozen server is killed (its socket buffers, holding whatever the bot
    /// wrote, are lost) and started again: the bot reconnects and each result arrives once.
    @Test(arguments: TestnetServer.allCases)
    func frozenServerKilledAndRestartedEachResultArrivesOnceAfterReconnect(_ server: TestnetServer) async throws {
        try await frozenServerScenario(server, killWhileFrozen: true)
    }

    /// The bot runs as a child process so it can be held still (SIGSTOP) while the server
    /// restarts: the user must be back in the (new, empty) channel before the bot rejoins,
    /// or there is nobody to witness what it says right after the JOIN.
    func frozenServerScenario(_ kind: TestnetServer, killWhileFrozen: Bool) async throws {
        let variant = "\(kind) " + (killWhileFrozen ? "killed" : "thawed")
        let net = try Testnet.require(kind)
        let server = ServerControl(net)
        let harness = try await BotHarness.make(net)
        let config = try harness.writeConfig(harness.configText(pollSeconds: 1))
        var peers: [TestPeer] = []
        var bot: ChildProcess?
        try await withCleanup {
            let userNick = uniqueName("alice")
            var user = try await TestPeer.joined(net, nick: userNick, channel: harness.channel)
            peers.append(user)
            await harness.simulator.controls.stick(atPercent: 50)
            bot = try ChildProcess(ChildProcess.mjbridgeExecutable, ["run", "-c", config],
                                   logPath: harness.directory.appendingPathComponent("bot.log").path)
            _ = try await user.expect("the bot joining", timeout: .seconds(60)) { $0.command == "JOIN" && $0.source?.nick == harness.nick }

            var refs: [String] = []
            for fox in Self.foxes {
                await user.send("PRIVMSG \(harness.channel) :!imagine \(fox)")
                let ack = try await user.said(by: harness.nick, "the acknowledgement of \(fox)") { $0.contains(fox) && $0.contains("ref ") }
                refs.append(try #require(BotOnTestnetTests.reference(in: ack), "no ref in \(ack)"))
            }
            let outbox = try OutboxProbe(path: harness.directory.appendingPathComponent("bot.sqlite").path)
            let taskIds = try await eventually("three pending tasks in the bot's store") {
                // By prompt, so any other row a later schema keeps among pending tasks is no matter.
                let ids = try await outbox.store.pendingTasks().filter { $0.prompt.contains("frozen fox") }.map(\.id)
                return Set(ids).count == 3 ? ids : nil
            }

            // Freeze, then let the jobs finish: their results fall due while nothing is read.
            try await server.freeze()
            let seenBeforeFreeze = await user.privmsgs(from: harness.nick, to: harness.channel).filter { $0.contains("✅") }
            await harness.simulator.controls.stick(atPercent: nil)
            let due = try await eventually("the three result lines in the outbox", timeout: .seconds(60)) {
                try await outbox.resultLines(of: taskIds)
            }
            #expect(due.count == 3)
            // The bot has had its chance to write them (it learns of results by callback and a
            // 1 s poll, then delivers at once); the server has read none of them.
            try await Task.sleep(for: .seconds(3))
            let whileFrozen = try #require(try await outbox.resultLines(of: taskIds))
            let markedSent = whileFrozen.filter { $0.sentAt != nil }
            #expect(markedSent.isEmpty,
                    "\(markedSent.count) of 3 result lines marked sent while the server was frozen (it read none): \(markedSent.map(\.text))")

            if killWhileFrozen {
                // Held still while the server restarts, so the user is in the channel first.
                bot?.signal(SIGSTOP)
                try await server.killAndRestart()
                user = try await TestPeer.joined(net, nick: uniqueName("alice"), channel: harness.channel)
                peers.append(user)
                bot?.signal(SIGCONT)
                _ = try await user.expect("the bot rejoining after the restart", timeout: .seconds(120)) {
                    $0.command == "JOIN" && $0.source?.nick == harness.nick
                }
            } else {
                try await server.thaw()
            }

            // Every result once; a second copy only of a line the server took before the freeze.
            let current = user
            let arrived: [String]
            do {
                arrived = try await eventually("all three results in the channel", timeout: .seconds(90), interval: .milliseconds(250)) {
                    let results = await current.privmsgs(from: harness.nick, to: harness.channel).filter { $0.contains("✅") }
                    return refs.allSatisfy { ref in results.contains { $0.contains("ref \(ref)") } } ? results : nil
                }
            } catch {
                let results = await current.privmsgs(from: harness.nick, to: harness.channel).filter { $0.contains("✅") }
                throw TestnetError("\(error): \(results.count) of 3 arrived (\(results))")
            }
            // Several poll cycles and reconnect checks later, a ping proves the bot answers and
            // everything it said before the pong has arrived.
            try await Task.sleep(for: .seconds(4))
            await user.send("PRIVMSG \(harness.nick) :ping")
            _ = try await user.said(by: harness.nick, "pong after the results") { $0.lowercased().contains("pong") }
            var everything: [String] = []
            for peer in peers { everything += await peer.privmsgs(from: harness.nick, to: harness.channel).filter { $0.contains("✅") } }
            var duplicates = 0
            for (ref, fox) in zip(refs, Self.foxes) {
                let copies = everything.filter { $0.contains("ref \(ref)") }
                #expect(copies.allSatisfy { $0.contains(fox) }, "\(copies)")
                let tookBeforeFreeze = seenBeforeFreeze.contains { $0.contains("ref \(ref)") }
                duplicates += max(0, copies.count - 1)
                #expect(copies.count == 1 || (copies.count == 2 && tookBeforeFreeze),
                        "\(fox) (ref \(ref)) arrived \(copies.count) times (server took it before the freeze: \(tookBeforeFreeze))")
            }
            #expect(arrived.count >= 3)
            print("DeliveryOnTestnet frozen/\(variant): 3 results, \(duplicates) duplicate line(s), "
                  + "\(seenBeforeFreeze.count) taken before the freeze")
            let after = try await outbox.resultLines(of: taskIds) ?? []
            #expect(after.allSatisfy { $0.sentAt != nil }, "every delivered result is marked sent: \(after.map { ($0.text, $0.sentAt) })")
        } cleanup: {
            if let bot {
                bot.signal(SIGKILL)
                let code = await bot.wait()
                if code != 128 + SIGKILL { print("bot exited \(code) before the end of the test:\n\(bot.log.suffix(3000))") }
            }
            await server.restore()
            for peer in peers { await peer.quit() }
            await harness.cleanUp()
        }
    }

    // MARK: 2. Connection cut after the first piece of a long reply

    /// A result line too long for one IRC line goes out in three pieces, paced 8 s apart
    /// (`flood_burst = 1`, `flood_interval_seconds = 8`: the gap makes "after the first piece"
    /// a window of seconds, not a race). The server is killed once the first piece reached
    /// the channel (and two seconds later, so the bot has its echo too): after the reconnect the
    /// rest arrives and the first piece is not said again.
    ///
    /// Two or more pieces: a 330-byte result link (the longest the bot posts) and an 80-byte
    /// prompt, with the bot's host changed (oper CHGHOST) to a 63-byte one, which shrinks what a
    /// line may carry to about 330 bytes. After the restart the bot has its short host again, so
    /// the rest may be cut differently: the pieces are checked by reassembly.
    @Test func connectionCutAfterTheFirstPieceResendsOnlyTheRest() async throws {
        let net = try Testnet.require()
        let server = ServerControl(net)
        // The longest nick (30) and channel (64) the testnet allows: the server prepends both
        // to every line, so each line carries less text.
        let made = try await BotHarness.make(net)
        let shortNick = uniqueName("mjbcut"), shortChannel = "#" + uniqueName("cut")
        let harness = BotHarness(net: net, simulator: made.simulator, directory: made.directory,
                                 nick: shortNick + String(repeating: "n", count: 30 - shortNick.count),
                                 channel: shortChannel + String(repeating: "c", count: 64 - shortChannel.count),
                                 httpPort: made.httpPort)
        var text = harness.configText(pollSeconds: 1)
        #expect(text.contains("flood_burst = 5\n") && text.contains("flood_interval_seconds = 1\n"), "BotHarness.configText changed its flood lines")
        text = text.replacingOccurrences(of: "flood_burst = 5\n", with: "flood_burst = 1\n")
            .replacingOccurrences(of: "flood_interval_seconds = 1\n", with: "flood_interval_seconds = 8\n")
        let config = try harness.writeConfig(text)
        var peers: [TestPeer] = []
        var bot: ChildProcess?
        try await withCleanup {
            // A long nick (30 at most here) makes the addressed line longer still.
            let me = uniqueName("alicewithalongnick")
            var user = try await TestPeer.joined(net, nick: me, channel: harness.channel)
            peers.append(user)
            bot = try ChildProcess(ChildProcess.mjbridgeExecutable, ["run", "-c", config],
                                   logPath: harness.directory.appendingPathComponent("bot.log").path)
            _ = try await user.expect("the bot joining", timeout: .seconds(60)) { $0.command == "JOIN" && $0.source?.nick == harness.nick }

            let longHost = "cut-after-the-first-piece." + String(repeating: "x", count: 29) + ".example"
            #expect(longHost.utf8.count == 63)
            await user.send("OPER \(net.operName) \(net.operPassword)")
            _ = try await user.expect("381 (oper)") { $0.command == "381" }
            await user.send("CHGHOST \(harness.nick) \(longHost)")
            // The bot hears of it (CHGHOST, its cap is on; 396); the user asks the server, as a
            // plain user again (an oper's USERHOST shows the real host).
            await user.send("MODE \(me) -o")
            await user.send("USERHOST \(harness.nick)")
            _ = try await user.expect("the bot's new host in USERHOST") {
                $0.command == "302" && ($0.params.last ?? "").trimmingCharacters(in: .whitespaces).hasSuffix("@\(longHost)")
            }

            let base = harness.simulator.baseURL + "/long-link/"
            let url = base + String(repeating: "L", count: 330 - base.utf8.count - 4) + ".png"
            #expect(url.utf8.count == 330)
            await harness.simulator.controls.replaceImageUrlOfNextTasks(1, with: url)
            // This is about one long link cut over three lines: the grid alone, without the four
            // single images trueai may list beside it (they would follow the ref in more pieces).
            await harness.simulator.controls.setSingleImageLinks(false)
            let prompt = "a patient grey heron standing in a cold river at dawn waiting for the first fish of day"
            await user.send("PRIVMSG \(harness.channel) :!imagine \(prompt)")
            let ack = try await user.said(by: harness.nick, "the acknowledgement") { $0.contains("ref ") }
            let ref = try #require(BotOnTestnetTests.reference(in: ack), "no ref in \(ack)")
            let first = try await user.said(by: harness.nick, "the first piece of the result", timeout: .seconds(90)) { $0.contains("✅") }
            #expect(!first.contains("ref \(ref)"), "the whole result fit in one line: \(first)")
            // The bot gets its echo of the piece when the user gets the piece; two seconds more
            // are margin on a loaded machine, six remain before the next piece may go.
            try await Task.sleep(for: .seconds(2))
            bot?.signal(SIGSTOP)
            let before = await user.privmsgs(from: harness.nick, to: harness.channel)
            let firstIndex = try #require(before.firstIndex(of: first))
            let seenBeforeCut = Array(before[firstIndex...])
            try #require(seenBeforeCut.count == 1,
                         "precondition: only the first piece went out before the cut (machine too slow for the 8 s gap?): \(seenBeforeCut)")
            try await server.killAndRestart()
            user = try await TestPeer.joined(net, nick: uniqueName("alice"), channel: harness.channel)
            peers.append(user)
            bot?.signal(SIGCONT)
            _ = try await user.expect("the bot rejoining after the restart", timeout: .seconds(120)) {
                $0.command == "JOIN" && $0.source?.nick == harness.nick
            }

            let current = user
            let rest = try await eventually("the rest of the result (up to ref \(ref))", timeout: .seconds(90), interval: .milliseconds(250)) {
                let said = await current.privmsgs(from: harness.nick, to: harness.channel)
                return said.contains { $0.contains("ref \(ref)") } ? said : nil
            }
            // Nothing more after a few seconds (a late copy of the first piece would show).
            try await Task.sleep(for: .seconds(4))
            await user.send("PRIVMSG \(harness.nick) :ping")
            _ = try await user.said(by: harness.nick, "pong after the result") { $0.lowercased().contains("pong") }
            let afterCut = await user.privmsgs(from: harness.nick, to: harness.channel)
            let repeats = afterCut.filter { $0.contains("✅") }.count
            #expect(repeats == 0, "the first piece was said again after the reconnect: \(afterCut)")
            // The rest reassembles the reply (after the reconnect the bot's host is short again,
            // so the rest may come in one line or two).
            let restPieces = repeats == 0 ? rest : []
            let whole = first + restPieces.joined()
            if repeats == 0 {
                #expect(whole.components(separatedBy: url).count == 2, "the link reassembles exactly once: \(whole)")
                #expect(whole.components(separatedBy: "ref \(ref)").count == 2, "the end of the reply arrives once: \(whole)")
                #expect(whole.hasPrefix("\(me): ✅"), "\(whole)")
                #expect(restPieces.last?.contains("ref \(ref)") == true, "\(restPieces)")
            }
            // The original cut: more than one piece (the first at most a line's length).
            let replyBytes = repeats == 0 ? whole.utf8.count : (afterCut.first { $0.contains("✅") } ?? "").utf8.count
                + afterCut.drop { !$0.contains("✅") }.dropFirst().map(\.utf8.count).reduce(0, +)
            #expect(replyBytes > first.utf8.count, "the reply needed more than one line: \(first.utf8.count) of \(replyBytes) bytes in the first")
            print("DeliveryOnTestnet cut: first piece \(first.utf8.count) bytes, \(restPieces.count) piece(s) after the reconnect, "
                  + "\(repeats) repeat(s) of the first")
        } cleanup: {
            if let bot {
                bot.signal(SIGKILL)
                _ = await bot.wait()
            }
            await server.restore()
            for peer in peers { await peer.quit() }
            await harness.cleanUp()
        }
    }

    // MARK: 3. Moderated channel, and a target that is gone

    /// The channel is moderated (+m) when the result falls due: the server refuses it (404),
    /// so it is held, not marked sent; once the bot has voice it arrives, once.
    @Test(arguments: TestnetServer.allCases)
    func moderatedChannelHoldsTheResultUntilTheBotHasVoice(_ server: TestnetServer) async throws {
        let net = try Testnet.require(server)
        let harness = try await BotHarness.make(net)
        let user = try await harness.user()
        let bot = try await harness.startInProcess(harness.configText(pollSeconds: 1))
        try await withCleanup {
            _ = try await user.expect("the bot joining") { $0.command == "JOIN" && $0.source?.nick == harness.nick }
            await harness.simulator.controls.stick(atPercent: 50)
            await user.send("PRIVMSG \(harness.channel) :!imagine a moderated heron")
            let ack = try await user.said(by: harness.nick, "the acknowledgement") { $0.contains("ref ") }
            let ref = try #require(BotOnTestnetTests.reference(in: ack))
            let outbox = OutboxProbe(store: bot.runtime.store)
            let taskId = try await eventually("the pending task") { try await outbox.store.pendingTasks().first?.id }

            // The user created the channel, so holds op.
            await user.send("MODE \(harness.channel) +m")
            _ = try await user.expect("+m set") { $0.command == "MODE" && $0.params.first == harness.channel && $0.params.dropFirst().first == "+m" }
            await harness.simulator.controls.stick(atPercent: nil)
            _ = try await eventually("the result line in the outbox") { try await outbox.resultLines(of: [taskId]) }
            try await Task.sleep(for: .seconds(3))
            let held = try #require(try await outbox.resultLines(of: [taskId])?.first)
            #expect(held.sentAt == nil, "the result was marked sent although the server refused it (+m): \(held.text)")
            #expect(await user.privmsgs(from: harness.nick, to: harness.channel).filter { $0.contains("✅") }.isEmpty)

            await user.send("MODE \(harness.channel) +v \(harness.nick)")
            let done = try await user.said(by: harness.nick, "the held result once the bot has voice", timeout: .seconds(60)) {
                $0.contains("✅") && $0.contains("ref \(ref)")
            }
            #expect(done.contains("moderated heron"))
            try await Task.sleep(for: .seconds(3))
            await user.send("PRIVMSG \(harness.channel) :!ping")
            _ = try await user.said(by: harness.nick, "pong") { $0.lowercased().contains("pong") }
            #expect(await user.privmsgs(from: harness.nick, to: harness.channel).filter { $0.contains("ref \(ref)") && $0.contains("✅") }.count == 1)
            #expect(try await outbox.resultLines(of: [taskId])?.first?.sentAt != nil, "delivered, so marked sent")
        } cleanup: {
            await bot.stop()
            await user.quit()
            await harness.cleanUp()
        }
    }

    /// A result for a channel the owner had the bot leave (`!part`): nobody wants it any more,
    /// so it is dead-lettered (visible in `!pending`), and a later result for a channel the bot
    /// is in arrives in spite of it.
    @Test func lineForAPartedChannelIsDeadLetteredAndDoesNotBlockALaterLine() async throws {
        let net = try Testnet.require()
        let harness = try await BotHarness.make(net)
        let gone = "#" + uniqueName("gone")
        let owner = try await harness.user("owner")
        try await owner.identify(account: net.ownerAccount, password: net.ownerPassword)
        await owner.send("JOIN \(gone)")
        _ = try await owner.expect("own JOIN of \(gone)") { $0.command == "JOIN" && $0.params.first == gone }
        let config = AdminOnTestnetTests.ownerConfig(harness) + """


            [[networks.channels]]
            name = "\(gone)"
            progress = "off"
            """
        let bot = try await harness.startInProcess(config)
        try await withCleanup {
            // Both JOINs, in whichever order they come (expect() would consume the other).
            _ = try await eventually("the bot joining \(harness.channel) and \(gone)") {
                let joins = await owner.lines().compactMap { try? Message(parsing: $0) }
                    .filter { $0.command == "JOIN" && $0.source?.nick == harness.nick }.compactMap(\.params.first)
                return joins.contains(harness.channel) && joins.contains(gone) ? true : nil
            }
            await harness.simulator.controls.stick(atPercent: 50)
            await owner.send("PRIVMSG \(gone) :!imagine a heron nobody will see")
            _ = try await owner.said(by: harness.nick, "the acknowledgement in \(gone)") { $0.contains("ref ") }
            let outbox = OutboxProbe(store: bot.runtime.store)
            let goneTask = try await eventually("the pending task") { try await outbox.store.pendingTasks().first?.id }
            await owner.send("PRIVMSG \(harness.channel) :!part \(gone)")
            _ = try await owner.expect("the bot leaving \(gone)") {
                $0.command == "PART" && $0.source?.nick == harness.nick && $0.params.first == gone
            }
            await harness.simulator.controls.stick(atPercent: nil)
            _ = try await eventually("the result line for \(gone) in the outbox") { try await outbox.resultLines(of: [goneTask]) }

            // A later line, to a channel the bot is in: it arrives.
            await owner.send("PRIVMSG \(harness.channel) :!imagine a heron everybody will see")
            let later = try await owner.said(by: harness.nick, "the later result", timeout: .seconds(60)) {
                $0.contains("✅") && $0.contains("everybody will see")
            }
            #expect(later.contains("ref "))

            // The line for the parted channel is dead-lettered, and !pending says so.
            // (The contract with the delivery worker: `!pending` mentions dead-lettered lines
            // with the word "dead".)
            let me = await owner.nick
            var lastAnswer = ""
            let report: String
            do {
                report = try await eventually("!pending reporting a dead-lettered line", timeout: .seconds(90), interval: .seconds(3)) {
                    await owner.send("PRIVMSG \(harness.channel) :!pending")
                    lastAnswer = try await owner.said(by: harness.nick, "the !pending answer") { $0.hasPrefix("\(me): ") && $0.contains("pending") }
                    return lastAnswer.lowercased().contains("dead") ? lastAnswer : nil
                }
            } catch {
                throw TestnetError("\(error); the last !pending answer: \(lastAnswer)")
            }
            print("DeliveryOnTestnet dead letter: \(report)")
            let scrape = PrometheusScrape(try await Self.get("http://127.0.0.1:\(harness.httpPort)/metrics"))
            print("DeliveryOnTestnet dead letter, outbox gauges: \(scrape.text.split(separator: "\n").filter { $0.hasPrefix("mjbridge_outbox") })")
            // The operator's gauges say the same as !pending: one line given up on, none held or owed.
            #expect(scrape.value("mjbridge_outbox_lines", ["state": "dead_lettered"]) == 1)
            #expect(scrape.value("mjbridge_outbox_lines", ["state": "held"]) == 0)
            #expect(scrape.value("mjbridge_outbox_lines", ["state": "owed"]) == 0)
            #expect(!(await owner.privmsgs(from: harness.nick, to: gone).contains { $0.contains("nobody will see") && $0.contains("✅") }))
        } cleanup: {
            await bot.stop()
            await owner.quit()
            await harness.cleanUp()
        }
    }

    // MARK: 4. Callback response with 100 held lines

    /// 100 lines are held for a moderated channel; the bot is kicked and rejoins, which starts
    /// delivering them. A callback's HTTP response comes within 5 s (a deadline, the work is a
    /// few milliseconds) and a private `ping` is answered within 15 s: neither waits for the
    /// outbox (today the event pump awaits a whole paced flush after each JOIN, ~100 s here).
    @Test func callbackAndCommandsAreAnsweredWhile100LinesAreHeld() async throws {
        let net = try Testnet.require()
        let harness = try await BotHarness.make(net)
        let user = try await harness.user()
        let bot = try await harness.startInProcess(harness.configText(pollSeconds: 1))
        try await withCleanup {
            _ = try await user.expect("the bot joining") { $0.command == "JOIN" && $0.source?.nick == harness.nick }
            await harness.simulator.controls.stick(atPercent: 50)
            await user.send("PRIVMSG \(harness.channel) :!imagine a fox that calls back")
            _ = try await user.said(by: harness.nick, "the acknowledgement") { $0.contains("ref ") }
            let store = bot.runtime.store
            let taskId = try await eventually("the pending task") { try await store.pendingTasks().first?.id }

            await user.send("MODE \(harness.channel) +m")
            _ = try await user.expect("+m set") { $0.command == "MODE" && $0.params.first == harness.channel && $0.params.dropFirst().first == "+m" }
            let now = Date()
            let held = (1...100).map {
                OutboxLine(network: "testnet", target: harness.channel, isChannel: true,
                           text: "held line \($0) of 100", style: "privmsg", createdAt: now)
            }
            try await store.enqueue(held)
            // Out and back in: the rejoin starts delivering what is owed to the channel.
            await user.send("KICK \(harness.channel) \(harness.nick) :come back")
            _ = try await user.expect("the kick") { $0.command == "KICK" && $0.params.dropFirst().first == harness.nick }
            _ = try await user.expect("the bot rejoining") { $0.command == "JOIN" && $0.source?.nick == harness.nick }
            try await Task.sleep(for: .seconds(2))

            let hook = try #require(bot.runtime.notifyHook)
            var request = HTTPClientRequest(url: hook)
            request.method = .POST
            request.headers.add(name: "content-type", value: "application/json")
            let body = await harness.simulator.controls.taskJSON(taskId) ?? "{\"id\":\"\(taskId)\"}"
            request.body = .bytes(ByteBuffer(string: body))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
            #expect(response.status == .ok)

            await user.send("PRIVMSG \(harness.nick) :ping")
            do {
                _ = try await user.said(by: harness.nick, "a private pong while 100 lines are held", timeout: .seconds(15)) {
                    $0.lowercased().contains("pong")
                }
            } catch {
                // Recorded, not thrown: the state of the 100 lines is worth reporting too.
                Issue.record("the event pump waits for the outbox: \(error)")
            }
            let unsent = try await store.unsentLines().filter { $0.text.hasPrefix("held line ") }
            #expect(unsent.count == 100, "held lines for a +m channel stay unsent: \(100 - unsent.count) marked sent")
            // The operator sees them: `mjbridge_outbox_lines` over its states other than dead
            // letters (whatever the states are called) counts at least the 100.
            let scrape = PrometheusScrape(try await Self.get("http://127.0.0.1:\(harness.httpPort)/metrics"))
            let owed = scrape.values.filter { $0.key.hasPrefix("mjbridge_outbox_lines") && !$0.key.contains("dead") }.values.reduce(0, +)
            #expect(owed >= 100, "outbox gauges: \(scrape.text.split(separator: "\n").filter { $0.contains("outbox") })")
            // Refused by the +m channel: held, not owed and not given up on.
            #expect((scrape.value("mjbridge_outbox_lines", ["state": "held"]) ?? 0) >= 100)
            #expect(scrape.value("mjbridge_outbox_lines", ["state": "dead_lettered"]) == 0)
        } cleanup: {
            await bot.stop()
            await user.quit()
            await harness.cleanUp()
        }
    }

    /// A GET with a deadline (10 s); the body as text.
    static func get(_ url: String) async throws -> String {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        return String(buffer: try await response.body.collect(upTo: 1 << 22))
    }

    // 5. Two `mjbridge run` on one database: SingleInstanceTests (Tests/AppTests/Runtime) already
    // starts two real processes on one file and checks the second exits 1 naming the lock and
    // the holder; not repeated here.
}
