import Bridge
import Foundation
import Logging
import Store
import Testing
@testable import App

/// The reloader over a real file and a real SQLite store: what it applies, and that a file
/// that does not load applies nothing. The IRC side is in ReloadOnTestnetTests.
@Suite struct ConfigReloaderTests {
    /// The channel requests a reload makes, in order (`JOIN net #c key`, `PART net #c :reason`).
    actor ChannelRequests: ChatTransport {
        private(set) var requests: [String] = []
        func send(_ line: OutgoingChat) async throws {}
        func isJoined(network: String, channel: String) async -> Bool { false }
        func join(network: String, channel: String, key: String?) async throws {
            requests.append("JOIN \(network) \(channel)" + (key.map { " \($0)" } ?? ""))
        }
        func part(network: String, channel: String, reason: String?) async throws {
            requests.append("PART \(network) \(channel) :\(reason ?? "")")
        }
    }

    struct Setup {
        let directory: URL
        let path: String
        let reloader: ConfigReloader
        let live: LiveSettingsHolder
        let level: LiveLogLevel
        let transport: ChannelRequests
        let store: SQLiteStore

        func write(_ text: String) throws {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
    }

    static func text(owners: String = "\"alice\"", channels: String = "\"#art\", \"#old\"", logLevel: String = "info") -> String {
        """
        [bot]
        owners = [\(owners)]
        log_level = "\(logLevel)"
        database = "bot.sqlite"

        [proxy]
        base_url = "http://127.0.0.1:8080/mj"

        [[networks]]
        name = "libera"
        host = "irc.example.net"
        nick = "mjbot"
        channels = [\(channels)]
        """
    }

    func withSetup(_ text: String = Self.text(), _ body: (Setup) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mjbridge-reload-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("bot.conf").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let loader = ConfigurationLoader(environment: [:])
        let configuration = try loader.load(path: path)
        let store = try SQLiteStore.open(path: configuration.bot.databasePath)
        let live = LiveSettingsHolder(configuration.liveSettings())
        let level = LiveLogLevel(.info)
        let transport = ChannelRequests()
        var logger = Logger(label: "reload-test")
        logger.logLevel = .critical
        let reloader = ConfigReloader(path: path, loader: loader, running: configuration, live: live, store: store,
                                      transport: transport, logLevel: level, logger: logger)
        try await body(Setup(directory: directory, path: path, reloader: reloader, live: live, level: level,
                             transport: transport, store: store))
    }

    @Test func appliesOwnersChannelsAndLogLevel() async throws {
        try await withSetup { s in
            #expect(await s.reloader.reload() == ReloadReport(applied: true, text: "Reloaded bot.conf: nothing changed."))
            try s.write(Self.text(owners: "\"alice\", \"carol\"",
                                  channels: "\"#art\", { name = \"#new\", key = \"sesame\", progress = \"quarter\" }",
                                  logLevel: "debug"))
            let report = await s.reloader.reload()
            #expect(report == ReloadReport(applied: true, text: "Reloaded bot.conf: owners 1 → 2 (+carol), log level info → debug, joined #new, parted #old"))
            #expect(await s.transport.requests == ["PART libera #old :no longer in bot.conf", "JOIN libera #new sesame"])
            #expect(s.live.current.isOwner(account: "carol"))
            #expect(s.live.current.progressPolicy(network: "libera", channel: "#new") == .quarter)
            #expect(s.level.level == .debug)
            // Applied once: the same file again changes nothing.
            #expect(await s.reloader.reload().text == "Reloaded bot.conf: nothing changed.")
            #expect(await s.transport.requests.count == 2)
        }
    }

    /// Through the reloader itself (what `!reload` and SIGHUP run): a new `[bot] command_prefix`
    /// reaches the networks without a prefix of their own at once; a `[[matrix]]` account keeps
    /// its own (its table needs a restart), and the summary says so.
    @Test func aReloadMovesTheBotPrefixAndKeepsAnAccountsOwn() async throws {
        func text(bot: String, account: String) -> String {
            Self.text().replacingOccurrences(of: "[bot]\n", with: "[bot]\ncommand_prefix = \"\(bot)\"\n") + """

                [[matrix]]
                name = "mx"
                homeserver = "https://matrix.example.org"
                user_id = "@mjb:example.org"
                access_token = "syt_secret_token"
                command_prefix = "\(account)"
                """
        }
        try await withSetup(text(bot: "!", account: ".")) { s in
            #expect(s.live.current.commandPrefix(network: "libera") == "!")
            #expect(s.live.current.commandPrefix(network: "mx") == ".")
            try s.write(text(bot: "?", account: ","))
            let report = await s.reloader.reload()
            #expect(report.applied)
            #expect(report.text.contains("command prefix ! → ?") && report.text.hasSuffix("needs a restart: matrix"), "\(report.text)")
            #expect(s.live.current.commandPrefix(network: "libera") == "?")
            #expect(s.live.current.commandPrefix(network: "mx") == ".", "the account's own prefix stays until a restart")
        }
    }

    @Test func aFileThatDoesNotLoadChangesNothing() async throws {
        try await withSetup { s in
            let before = s.live.current
            try s.write(Self.text(owners: "\"alice\", \"carol\"", channels: "\"#new\"") + "\n[[networks.channels\n")
            let broken = await s.reloader.reload()
            #expect(!broken.applied)
            #expect(broken.text.hasPrefix("bot.conf not reloaded, nothing changed: TOML syntax error at line 14, column 20"), "\(broken.text)")
            try s.write(Self.text(owners: "\"alice\", \"carol\"", channels: "\"#new\"").replacingOccurrences(of: "nick = \"mjbot\"", with: "nick = \"mjbot\"\nnik = 1"))
            let invalid = await s.reloader.reload()
            #expect(invalid == ReloadReport(applied: false, text: "bot.conf not reloaded, nothing changed: unknown key 'networks[0].nik' (misspelled? see bot.conf.example for every key)"))
            try FileManager.default.removeItem(atPath: s.path)
            let missing = await s.reloader.reload()
            #expect(!missing.applied && missing.text.contains("cannot read config file"), "\(missing.text)")
            #expect(s.live.current == before)
            #expect(s.level.level == .info)
            #expect(await s.transport.requests.isEmpty)
            #expect(await s.reloader.running.bot.owners == ["alice"])

            // Fixed: applied against what was running, not against the broken attempts.
            try s.write(Self.text(owners: "\"alice\", \"carol\""))
            #expect(await s.reloader.reload().text == "Reloaded bot.conf: owners 1 → 2 (+carol)")
        }
    }

    @Test func channelsChangedFromChatStayAndOverlappingReloadsApplyOnce() async throws {
        try await withSetup { s in
            let at = Date()
            // The owners left #art from chat and joined #old: the file cannot undo that.
            try await s.store.updateChannelSetting(network: "libera", channel: "#old", at: at) { $0.membership = .joined }
            try await s.store.updateChannelSetting(network: "libera", channel: "#gone", at: at) { $0.membership = .parted }
            try s.write(Self.text(channels: "\"#art\", \"#gone\", \"#third\""))
            async let first = s.reloader.reload()
            async let second = s.reloader.reload()
            let texts = await [first.text, second.text].sorted()
            #expect(texts == ["Reloaded bot.conf: joined #third, not joining #gone (left from chat), staying in #old (joined from chat)",
                              "Reloaded bot.conf: nothing changed."])
            #expect(await s.transport.requests == ["JOIN libera #third"])
        }
    }
}
