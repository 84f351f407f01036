import App
import AsyncHTTPClient
import Foundation
import MidjourneyAPI
import MidjourneySimulator
import Store
import Testing
import TestnetSupport

/// The whole bot against the real networks and the simulator over loopback HTTP: a user on
/// the network types commands and reads the answers. Every test runs on InspIRCd + Atheme (TLS,
/// SASL PLAIN) and on ngIRCd (TLS, no services: the bot registers without SASL).
@Suite(.serialized, .timeLimit(.minutes(10)), .enabled(if: !Testnet.skipRequested, Testnet.bothSkipReason), .testnets(.inspircd, .ngircd))
struct BotOnTestnetTests {
    /// Runs `body` with a bot in process and a user in its channel.
    func withBot(_ server: TestnetServer = .inspircd, flavor: SimulatorFlavor = .trueai, configure: (BotHarness) -> String = { $0.configText() },
                 _ body: (BotHarness, TestPeer) async throws -> Void) async throws {
        try await withRunningBot(server, flavor: flavor, configure: configure) { harness, user, _ in try await body(harness, user) }
    }

    /// Like `withBot`, also handing over the running bot (to look at its connections).
    func withRunningBot(_ server: TestnetServer = .inspircd, flavor: SimulatorFlavor = .trueai, configure: (BotHarness) -> String = { $0.configText() },
                        _ body: (BotHarness, TestPeer, RunningBot) async throws -> Void) async throws {
        let net = try Testnet.require(server)
        let harness = try await BotHarness.make(net, flavor: flavor)
        let user = try await harness.user()
        let bot = try await harness.startInProcess(configure(harness))
        do {
            _ = try await user.expect("the bot joining \(harness.channel)") {
                $0.command == "JOIN" && $0.source?.nick == harness.nick
            }
            try await body(harness, user, bot)
        } catch {
            await bot.stop()
            await user.quit()
            await harness.cleanUp()
            throw error
        }
        await bot.stop()
        await user.quit()
        await harness.cleanUp()
    }

    @Test(arguments: TestnetServer.allCases)
    func answersHelpInTheChannelAndInPrivate(_ server: TestnetServer) async throws {
        try await withBot(server) { harness, user in
            let me = await user.nick
            await user.send("PRIVMSG \(harness.channel) :!help")
            let help = try await user.said(by: harness.nick, "!help in the channel") { $0.hasPrefix("\(me): Commands:") }
            #expect(help.contains("imagine"))
            await user.send("PRIVMSG \(harness.nick) :help imagine")
            let detail = try await user.said(by: harness.nick, "help imagine in private") { $0.contains("imagine") }
            #expect(!detail.hasPrefix("\(me):"), "private replies are not addressed")
            await user.send("PRIVMSG \(harness.channel) :\(harness.nick): ping")
            _ = try await user.said(by: harness.nick, "addressed ping") { $0.hasPrefix("\(me):") && $0.lowercased().contains("pong") }
            await user.send("PRIVMSG \(harness.nick) :!nosuchcommand")
            _ = try await user.said(by: harness.nick, "hint for an unknown command in private") { $0.contains("help") }
        }
    }

    @Test(arguments: TestnetServer.allCases)
    func imagineThenUpscaleWithAndWithoutReference(_ server: TestnetServer) async throws {
        try await withBot(server) { harness, user in
            let me = await user.nick
            await user.send("PRIVMSG \(harness.channel) :!imagine a red fox in snow --ar 16:9")
            let ack = try await user.said(by: harness.nick, "the acknowledgement") { $0.contains("ref ") }
            #expect(ack.hasPrefix("\(me): "))
            let done = try await user.said(by: harness.nick, "the result") { $0.contains("✅") }
            #expect(done.contains("a red fox in snow"))
            #expect(done.contains(harness.simulator.baseURL), "the link points at the simulator: \(done)")
            #expect(done.contains("!u1"))

            // The link is a real image.
            let link = try #require(done.split(separator: " ").first { $0.hasPrefix("http://") }.map(String.init))
            let response = try await HTTPClient.shared.get(url: link).get()
            #expect(response.status == .ok)
            #expect(response.headers.first(name: "content-type") == "image/png")

            await user.send("PRIVMSG \(harness.channel) :!u2")
            let u2 = try await user.said(by: harness.nick, "the u2 result") { $0.contains("✅") }
            #expect(u2.contains("u2") || u2.contains("U2"), "\(u2)")

            let ref = try #require(Self.reference(in: ack))
            await user.send("PRIVMSG \(harness.channel) :!u3 \(ref)")
            let u3 = try await user.said(by: harness.nick, "the u3 result for ref \(ref)") { $0.contains("✅") }
            #expect(u3.contains("u3") || u3.contains("U3"), "\(u3)")
        }
    }

    @Test(arguments: TestnetServer.allCases)
    func pollingAloneWorksWithoutAPublicURL(_ server: TestnetServer) async throws {
        try await withBot(server, configure: { $0.configText(callbacks: false) }) { harness, user in
            await user.send("PRIVMSG \(harness.channel) :!imagine polling only")
            _ = try await user.said(by: harness.nick, "the acknowledgement") { $0.contains("ref ") }
            let done = try await user.said(by: harness.nick, "the result, found by polling") { $0.contains("✅") }
            #expect(done.contains("polling only"))
        }
    }

    /// Two networks in one process (here the same server over TLS and over the plain port,
    /// as two independent connections): each answers in its own channel, results go back
    /// through the connection the command came from.
    @Test(arguments: TestnetServer.allCases)
    func twoNetworksInOneProcess(_ server: TestnetServer) async throws {
        let secondNick = uniqueName("mjp")
        let secondChannel = "#" + uniqueName("plain")
        try await withBot(server, configure: { harness in
            harness.configText() + """


                [[networks]]
                name = "plainnet"
                host = "\(harness.net.host)"
                port = \(harness.net.plainPort)
                tls = false
                nick = "\(secondNick)"
                flood_interval_seconds = 1

                [[networks.channels]]
                name = "\(secondChannel)"
                progress = "off"
                """
        }) { harness, user in
            let me = await user.nick
            await user.send("JOIN \(secondChannel)")
            // The second bot is there already (NAMES lists it) or joins after us.
            _ = try await user.expect("the second bot in \(secondChannel)") { message in
                (message.command == "JOIN" && message.source?.nick == secondNick)
                    || (message.command == "353" && message.params.last?.split(separator: " ")
                        .contains { $0.trimmingCharacters(in: CharacterSet(charactersIn: "@+")) == secondNick } == true)
            }
            await user.send("PRIVMSG \(secondChannel) :!imagine a plain text heron")
            let done = try await user.said(by: secondNick, "the result on the second network") { $0.contains("✅") }
            #expect(done.hasPrefix("\(me): ") && done.contains("plain text heron"))
            await user.send("PRIVMSG \(harness.channel) :!ping")
            _ = try await user.said(by: harness.nick, "pong on the first network") { $0.lowercased().contains("pong") }
            let crossed = await user.lines().contains { $0.hasPrefix(":\(harness.nick)!") && $0.contains("plain text heron") }
            #expect(!crossed, "the first network's bot never speaks about the second network's task")
        }
    }

    /// A result that finishes while the bot is out of the channel (kicked) is held and said
    /// once the bot has rejoined, not lost and not sent to an empty room.
    @Test(arguments: TestnetServer.allCases)
    func resultWhileKickedIsDeliveredAfterRejoin(_ server: TestnetServer) async throws {
        try await withRunningBot(server) { harness, user, bot in
            let me = await user.nick
            await harness.simulator.controls.stick(atPercent: 50)
            await user.send("PRIVMSG \(harness.channel) :!imagine a patient heron")
            let ack = try await user.said(by: harness.nick, "the acknowledgement") { $0.contains("— ref ") }
            let ref = try #require(Self.reference(in: ack))
            // The user created the channel, so holds op.
            await user.send("KICK \(harness.channel) \(harness.nick) :out you go")
            _ = try await user.expect("the kick") { $0.command == "KICK" && $0.params.dropFirst().first == harness.nick }
            // The bot's own connection must have seen the kick before the result can arrive.
            let ircClient = try #require(bot.runtime.transport.clients["testnet"])
            let deadline = ContinuousClock.now.advanced(by: .seconds(30))
            while await ircClient.isJoined(harness.channel), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            await harness.simulator.controls.stick(atPercent: nil)
            _ = try await user.expect("the bot rejoining after the kick") { $0.command == "JOIN" && $0.source?.nick == harness.nick }
            let done = try await user.said(by: harness.nick, "the held result") { $0.contains("✅") && $0.contains("ref \(ref)") }
            #expect(done.hasPrefix("\(me): "))
            #expect(await user.lines().filter { $0.contains("✅") && $0.contains("ref \(ref)") }.count == 1)
        }
    }

    /// The bot process is SIGKILLed with three tasks in flight, the tasks finish while it is
    /// down (their callbacks fail), and after a restart each result arrives exactly once.
    @Test(arguments: TestnetServer.allCases)
    func killedWithTasksInFlightDeliversEachResultOnceAfterRestart(_ server: TestnetServer) async throws {
        let net = try Testnet.require(server)
        let harness = try await BotHarness.make(net)
        defer { Task { await harness.cleanUp() } }
        let user = try await harness.user()
        let config = try harness.writeConfig(harness.configText(pollSeconds: 1))
        let log = harness.directory.appendingPathComponent("bot.log").path

        await harness.simulator.controls.stick(atPercent: 50)
        var bot = try ChildProcess(ChildProcess.mjbridgeExecutable, ["run", "-c", config], logPath: log)
        _ = try await user.expect("the bot joining") { $0.command == "JOIN" && $0.source?.nick == harness.nick }
        var refs: [String] = []
        for prompt in ["first fox", "second fox", "third fox"] {
            await user.send("PRIVMSG \(harness.channel) :!imagine \(prompt)")
            let ack = try await user.said(by: harness.nick, "ack of \(prompt)") { $0.contains(prompt) && $0.contains("ref ") }
            refs.append(try #require(Self.reference(in: ack)))
        }
        bot.signal(SIGKILL)
        #expect(await bot.wait() == 128 + SIGKILL)
        _ = try await user.expect("the bot's connection dropping") { $0.command == "QUIT" && $0.source?.nick == harness.nick }

        // The jobs finish while the bot is down; their callbacks hit a closed port. Their ids
        // are in the bot's database; the test waits until the proxy reports all three done.
        let store = try SQLiteStore.open(path: harness.directory.appendingPathComponent("bot.sqlite").path)
        let ids = try await store.pendingTasks().map(\.id)
        #expect(ids.count == 3, "three tasks pending while the bot is down: \(ids)")
        await harness.simulator.controls.stick(atPercent: nil)
        let proxy = try MidjourneyClient(configuration: MidjourneyConfiguration(baseURL: harness.simulator.apiBaseURL, apiKey: harness.apiKey),
                                         httpClient: MidjourneyClient.sharedHTTPClient)
        let deadline = ContinuousClock.now.advanced(by: .seconds(60))
        while ContinuousClock.now < deadline {
            let done = try await proxy.list(ids: ids).filter { $0.status == .success }.count
            if done == ids.count { break }
            try await Task.sleep(for: .milliseconds(100))
        }

        bot = try ChildProcess(ChildProcess.mjbridgeExecutable, ["run", "-c", config], logPath: log)
        _ = try await user.expect("the bot rejoining") { $0.command == "JOIN" && $0.source?.nick == harness.nick }
        var results: [String] = []
        while results.count < 3 {
            results.append(try await user.said(by: harness.nick, "result \(results.count + 1) of 3") { $0.contains("✅") })
        }
        for (ref, prompt) in zip(refs, ["first fox", "second fox", "third fox"]) {
            #expect(results.filter { $0.contains(prompt) && $0.contains(ref) }.count == 1, "\(prompt) (\(ref)) in \(results)")
        }
        // Several poll cycles later still no second copy of any result.
        try await Task.sleep(for: .seconds(4))
        await user.send("PRIVMSG \(harness.channel) :!ping")
        _ = try await user.said(by: harness.nick, "pong after the wait") { $0.lowercased().contains("pong") }
        let doubles = await user.lines().filter { $0.contains("✅") }.count
        #expect(doubles == 3, "exactly three result lines in total, got \(doubles)\nbot log:\n\(bot.log.suffix(3000))")

        bot.signal(SIGTERM)
        let quit = try await user.expect("QUIT on SIGTERM") { $0.command == "QUIT" && $0.source?.nick == harness.nick }
        #expect(quit.params.last?.contains("e2e bye") == true, "\(quit)")
        #expect(await bot.wait() == 0, "clean exit on SIGTERM\n\(bot.log.suffix(3000))")
        await user.quit()
    }

    static func reference(in line: String) -> String? {
        guard let range = line.range(of: "ref ") else { return nil }
        let digits = line[range.upperBound...].prefix { $0.isNumber }
        return digits.isEmpty ? nil : String(digits)
    }
}
