import App
import Foundation
import IRC
import Logging
import Testing
import TestnetSupport

/// `!reload` and SIGHUP against the real network (InspIRCd + Atheme): `bot.conf` edited on
/// disk gains an owner, a channel and loses one; the bot applies it over the connection it
/// already has (same sign-on time in WHOIS, no QUIT, no second JOIN of the unchanged channel).
@Suite(.serialized, .enabled(if: !Testnet.skipRequested, Testnet.skipReason), .testnet)
struct ReloadOnTestnetTests {
    /// The harness config with `owners` and one more channel of the network.
    static func config(_ harness: BotHarness, owners: [String], extraChannel: String) -> String {
        let text = harness.configText()
        let configured = "owners = [\"\(harness.net.botAccount)-owner\"]"
        precondition(text.contains(configured), "BotHarness.configText changed its owners line")
        let list = owners.map { "\"\($0)\"" }.joined(separator: ", ")
        return text.replacingOccurrences(of: configured, with: "owners = [\(list)]") + """


            [[networks.channels]]
            name = "\(extraChannel)"
            progress = "off"
            """
    }

    /// A peer logged in to `account`, in each of `channels` (before the bot, so it sees the bot come and go).
    static func peer(_ harness: BotHarness, account: String, password: String, prefix: String,
                     channels: [String]) async throws -> TestPeer {
        let peer = try await TestPeer.connect(to: harness.net)
        let nick = uniqueName(prefix)
        try await peer.register(nick: nick)
        try await peer.identify(account: account, password: password)
        for channel in channels {
            await peer.send("JOIN \(channel)")
            _ = try await peer.expect("own JOIN of \(channel)") { $0.command == "JOIN" && $0.source?.nick == nick }
        }
        return peer
    }

    /// When the server says the bot signed on (RPL_WHOISIDLE): the same value before and
    /// after a reload means the same connection.
    static func signOn(of nick: String, asking peer: TestPeer) async throws -> String {
        await peer.send("WHOIS \(nick) \(nick)")
        let idle = try await peer.expect("WHOIS idle line of \(nick)") { $0.command == "317" && $0.params.dropFirst().first == nick }
        _ = try await peer.expect("end of WHOIS") { $0.command == "318" }
        let signOn = idle.params.count > 3 ? idle.params[3] : ""
        try #require(Int(signOn) != nil, "317 carries the sign-on time: \(idle)")
        return signOn
    }

    /// Waits for all of `wanted` in any order (a reload's PART, JOIN and reply may arrive
    /// in any interleaving); fails at the deadline naming what is missing.
    static func expectAll(_ peer: TestPeer, _ wanted: [(String, @Sendable (Message) -> Bool)]) async throws {
        var missing = wanted
        while !missing.isEmpty {
            let names = missing.map(\.0).joined(separator: ", ")
            let pending = missing
            let message = try await peer.expect(names) { message in pending.contains { $0.1(message) } }
            missing.removeAll { $0.1(message) }
        }
    }

    static func bot(_ nick: String, _ command: String, _ channel: String) -> @Sendable (Message) -> Bool {
        { $0.command == command && $0.source?.nick == nick && $0.params.first == channel }
    }

    /// What the watcher saw of the bot that a reconnect would cause.
    static func reconnectTraces(in lines: [String], bot nick: String, channel: String) -> [String] {
        lines.filter { line in
            line.hasPrefix(":\(nick)!") && (line.contains(" QUIT") || line.contains(" JOIN \(channel)") || line.contains(" JOIN :\(channel)"))
        }
    }

    @Test func reloadFromChatAppliesOwnersAndChannelsOverTheSameConnection() async throws {
        let net = try Testnet.require()
        let harness = try await BotHarness.make(net)
        let oldChannel = "#" + uniqueName("old")
        let newChannel = "#" + uniqueName("new")
        let owner = try await Self.peer(harness, account: net.ownerAccount, password: net.ownerPassword, prefix: "own",
                                        channels: [harness.channel, oldChannel, newChannel])
        let alice = try await Self.peer(harness, account: net.userAccount, password: net.userPassword, prefix: "ali",
                                        channels: [harness.channel])
        let path = try harness.writeConfig(Self.config(harness, owners: [net.ownerAccount], extraChannel: oldChannel))
        let bot = try await Self.startReloadable(harness, path: path)
        do {
            try await Self.expectAll(owner, [("the bot joining \(harness.channel)", Self.bot(harness.nick, "JOIN", harness.channel)),
                                             ("the bot joining \(oldChannel)", Self.bot(harness.nick, "JOIN", oldChannel))])
            let me = await owner.nick
            let aliceNick = await alice.nick
            await alice.send("PRIVMSG \(harness.channel) :!pending")
            _ = try await alice.said(by: harness.nick, "the refusal before the reload") { $0 == "\(aliceNick): !pending is for the bot's owners." }
            let signOn = try await Self.signOn(of: harness.nick, asking: owner)

            // A file that does not load: nothing changes, the reply says why.
            try harness.writeConfig(Self.config(harness, owners: [net.ownerAccount, net.userAccount], extraChannel: newChannel)
                                    + "\n[[networks.channels\n")
            await owner.send("PRIVMSG \(harness.channel) :!reload")
            let refused = try await owner.said(by: harness.nick, "the refused reload") { $0.hasPrefix("\(me): bot.conf not reloaded") }
            #expect(refused.hasPrefix("\(me): bot.conf not reloaded, nothing changed: TOML syntax error at line "), "\(refused)")

            // Also a key only a restart applies: named, and the connection is left alone.
            let edited = Self.config(harness, owners: [net.ownerAccount, net.userAccount], extraChannel: newChannel)
            precondition(edited.contains("flood_burst = 5\n"), "BotHarness.configText changed its flood_burst line")
            try harness.writeConfig(edited.replacingOccurrences(of: "flood_burst = 5\n", with: "flood_burst = 4\n"))
            await owner.send("PRIVMSG \(harness.channel) :!reload")
            let reply = "\(me): Reloaded bot.conf: owners 1 → 2 (+\(net.userAccount)), joined \(newChannel), parted \(oldChannel); "
                + "needs a restart: networks[0].flood_burst"
            try await Self.expectAll(owner, [
                ("the bot leaving \(oldChannel)", Self.bot(harness.nick, "PART", oldChannel)),
                ("the bot joining \(newChannel)", Self.bot(harness.nick, "JOIN", newChannel)),
                ("the reload reply", { $0.command == "PRIVMSG" && $0.source?.nick == harness.nick && $0.params.last == reply }),
            ])
            // The new owner can use an owner command at once.
            await alice.send("PRIVMSG \(harness.channel) :!pending")
            _ = try await alice.said(by: harness.nick, "!pending for the new owner") { $0.hasPrefix("\(aliceNick): No tasks pending") }
            // And in the channel that is new.
            await owner.send("PRIVMSG \(newChannel) :!ping")
            _ = try await owner.said(by: harness.nick, "pong in \(newChannel)") { $0 == "\(me): pong" }

            #expect(try await Self.signOn(of: harness.nick, asking: owner) == signOn, "the same connection")
            let traces = Self.reconnectTraces(in: await owner.lines(), bot: harness.nick, channel: harness.channel)
            #expect(traces.count == 1, "one JOIN of the unchanged channel, no QUIT: \(traces)")
        } catch {
            await bot.stop()
            await owner.quit()
            await alice.quit()
            await harness.cleanUp()
            throw error
        }
        await bot.stop()
        await owner.quit()
        await alice.quit()
        await harness.cleanUp()
    }

    @Test func sighupReloadsTheRunningProcess() async throws {
        let net = try Testnet.require()
        let harness = try await BotHarness.make(net)
        let oldChannel = "#" + uniqueName("old")
        let newChannel = "#" + uniqueName("new")
        let owner = try await Self.peer(harness, account: net.ownerAccount, password: net.ownerPassword, prefix: "own",
                                        channels: [harness.channel, oldChannel, newChannel])
        let nobody = "\(net.botAccount)-owner"
        let path = try harness.writeConfig(Self.config(harness, owners: [nobody], extraChannel: oldChannel))
        let log = harness.directory.appendingPathComponent("bot.log").path
        let bot = try ChildProcess(ChildProcess.mjbridgeExecutable, ["run", "-c", path], logPath: log)
        do {
            try await Self.expectAll(owner, [("the bot joining \(harness.channel)", Self.bot(harness.nick, "JOIN", harness.channel)),
                                             ("the bot joining \(oldChannel)", Self.bot(harness.nick, "JOIN", oldChannel))])
            // Until the handler is installed, SIGHUP would end the process.
            try await Self.waitForLog(bot, containing: "SIGHUP re-reads the config")
            let me = await owner.nick
            await owner.send("PRIVMSG \(harness.channel) :!pending")
            _ = try await owner.said(by: harness.nick, "the refusal before the reload") { $0 == "\(me): !pending is for the bot's owners." }
            let signOn = try await Self.signOn(of: harness.nick, asking: owner)

            try harness.writeConfig(Self.config(harness, owners: [net.ownerAccount], extraChannel: newChannel)
                                    .replacingOccurrences(of: "log_level = \"info\"", with: "log_level = \"debug\""))
            #expect(!bot.log.contains(" debug mjbridge"), "no debug lines at level info")
            bot.signal(SIGHUP)
            try await Self.expectAll(owner, [
                ("the bot leaving \(oldChannel)", Self.bot(harness.nick, "PART", oldChannel)),
                ("the bot joining \(newChannel)", Self.bot(harness.nick, "JOIN", newChannel)),
            ])
            await owner.send("PRIVMSG \(harness.channel) :!pending")
            _ = try await owner.said(by: harness.nick, "!pending for the new owner") { $0.hasPrefix("\(me): No tasks pending") }
            try await Self.waitForLog(bot, containing: "Reloaded bot.conf: owners 1 → 1 (+\(net.ownerAccount), −\(nobody)), "
                                      + "log level info → debug, joined \(newChannel), parted \(oldChannel)")
            // The new log level is in force for every logger: the proxy client's debug lines appear.
            await owner.send("PRIVMSG \(harness.channel) :!imagine a heron in debug light")
            _ = try await owner.said(by: harness.nick, "the acknowledgement") { $0.contains("ref ") }
            try await Self.waitForLog(bot, containing: " debug mjbridge.proxy: ")
            // Finished before the next !pending, which expects nothing pending.
            _ = try await owner.said(by: harness.nick, "the heron's result") { $0.contains("✅") && $0.contains("heron in debug light") }

            // A broken file: the process keeps running as it was, the log says why.
            try harness.writeConfig("[bot]\nowners = [\n")
            bot.signal(SIGHUP)
            try await Self.waitForLog(bot, containing: "reload refused, nothing changed")
            await owner.send("PRIVMSG \(harness.channel) :!pending")
            _ = try await owner.said(by: harness.nick, "still an owner after the refused reload") { $0.hasPrefix("\(me): No tasks pending") }

            #expect(try await Self.signOn(of: harness.nick, asking: owner) == signOn, "the same connection")
            let traces = Self.reconnectTraces(in: await owner.lines(), bot: harness.nick, channel: harness.channel)
            #expect(traces.count == 1, "one JOIN of the unchanged channel, no QUIT: \(traces)")

            bot.signal(SIGTERM)
            _ = try await owner.expect("QUIT on SIGTERM") { $0.command == "QUIT" && $0.source?.nick == harness.nick }
            #expect(await bot.wait() == 0, "clean exit\n\(bot.log.suffix(3000))")
        } catch {
            bot.signal(SIGKILL)
            _ = await bot.wait()
            await owner.quit()
            await harness.cleanUp()
            throw TestnetError("\(error)\nbot log:\n\(bot.log.suffix(4000))")
        }
        await owner.quit()
        await harness.cleanUp()
    }

    /// The harness's in-process start, with the config path so `!reload` can re-read it.
    static func startReloadable(_ harness: BotHarness, path: String) async throws -> RunningBot {
        let loader = ConfigurationLoader(environment: [:])
        let configuration = try loader.load(path: path)
        var logger = Logger(label: "e2e.bot")
        logger.logLevel = .notice
        let runtime = try await BotRuntime.make(configuration: configuration, configPath: path, loader: loader, logger: logger)
        let group = runtime.serviceGroup(signals: [])
        let task = Task { try await group.run() }
        return RunningBot(runtime: runtime, group: group, task: task)
    }

    /// Waits until the child's log has a line (after the first `after` lines) containing `text`.
    static func waitForLog(_ process: ChildProcess, after: Int = 0, containing text: String,
                           timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while !process.log.components(separatedBy: "\n").dropFirst(after).contains(where: { $0.contains(text) }) {
            guard ContinuousClock.now < deadline else { throw TestnetError("no log line with \"\(text)\" within \(timeout)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
