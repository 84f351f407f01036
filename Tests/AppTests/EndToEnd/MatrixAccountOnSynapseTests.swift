import App
import AsyncHTTPClient
import Bridge
import Foundation
import Logging
import Matrix
import MatrixTestSupport
import MidjourneySimulator
import Store
import Testing

/// One Matrix account of a running bot on a real Synapse, as an operator and its users see it:
/// `/health` and `/metrics` while it syncs and after its token is revoked, a command prefix of
/// its own, and the command-flood notice (a reply in the room, never a message to a name).
@Suite(.serialized, .synapse, .disabled(if: Synapse.skipRequested, Synapse.skipReason))
struct MatrixAccountOnSynapseTests {
    struct Setup {
        let synapse: Synapse
        let simulator: SimulatorServer
        let directory: URL
        let roomID: String
        let user: MatrixClient
        let httpPort: Int

        static func make() async throws -> Setup {
            let synapse = try Synapse.require()
            let simulator = try await SimulatorServer.start(
                host: "127.0.0.1", port: 0,
                configuration: SimulatorConfiguration(flavor: .trueai, apiKey: "e2e-key-0123456789", timing: .quick))
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mjbridge-mxa-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let user = MatrixClient(homeserver: synapse.url, accessToken: synapse.user.accessToken)
            let roomID = try await user.createRoom(["preset": "public_chat", "name": "mjbridge account tests"])
            return Setup(synapse: synapse, simulator: simulator, directory: directory, roomID: roomID, user: user,
                         httpPort: try await freePort())
        }

        /// `accountKeys` go into the `[[matrix]]` table (a credential among them); `limits` is the `[limits]` table.
        func start(accountKeys: String, limits: String = BotHarness.noLimits, waitUntilSyncing: Bool = true) async throws -> RunningBot {
            let text = """
                [bot]
                database = "bot.sqlite"
                owners = ["\(synapse.owner.userID)"]

                [proxy]
                base_url = "\(simulator.apiBaseURL)"
                api_key = "e2e-key-0123456789"
                poll_interval_seconds = 1

                [http]
                listen = "127.0.0.1:\(httpPort)"
                public_base_url = "http://127.0.0.1:\(httpPort)"

                \(limits)

                [[matrix]]
                name = "synapse"
                homeserver = "\(synapse.url)"
                user_id = "\(synapse.bot.userID)"
                rooms = ["\(roomID)"]
                \(accountKeys)
                """
            let path = directory.appendingPathComponent("bot.conf").path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            let configuration = try ConfigurationLoader(environment: [:]).load(path: path)
            var logger = Logger(label: "e2e.matrix-account")
            logger.logLevel = .notice
            try await waitUntilBindable(port: httpPort)
            let runtime = try await BotRuntime.make(configuration: configuration, logger: logger)
            let group = runtime.serviceGroup(signals: [])
            let bot = RunningBot(runtime: runtime, group: group, task: Task { try await group.run() })
            guard waitUntilSyncing else { return bot }
            let account = try #require(runtime.matrix.accounts["synapse"])
            do {
                try await eventually("the bot syncing in the room") {
                    let running = await account.isRunning
                    let inRoom = await account.isJoined(roomID)
                    return running && inRoom
                }
            } catch {
                await bot.stop()
                throw error
            }
            return bot
        }

        func say(_ text: String) async throws -> String {
            try await user.send(roomID: roomID, transactionID: UUID().uuidString, content: ["msgtype": "m.text", "body": .string(text)])
        }

        /// The bot's events in the room, oldest first.
        func botEvents() async -> [MatrixJSON] {
            (((try? await user.messages(roomID: roomID, limit: 100).events) ?? []).filter {
                $0["type"] == "m.room.message" && $0["sender"]?.stringValue == synapse.bot.userID
            }).reversed()
        }

        /// The bot's events replying to `eventID`.
        func replies(to eventID: String) async -> [MatrixJSON] {
            await botEvents().filter { $0["content"]?["m.relates_to"]?["m.in_reply_to"]?["event_id"]?.stringValue == eventID }
        }

        func get(_ path: String) async throws -> (status: UInt, body: String) {
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(httpPort)\(path)"),
                                                               timeout: .seconds(10))
            return (response.status.code, String(buffer: try await response.body.collect(upTo: 4 << 20)))
        }

        /// `/health` as JSON, with its status code.
        func health() async throws -> (status: UInt, json: [String: Any]) {
            let answer = try await get("/health")
            let json = try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any] ?? [:]
            return (answer.status, json)
        }

        func metrics() async throws -> PrometheusScrape {
            PrometheusScrape(try await get("/metrics").body)
        }

        func cleanUp() async {
            await simulator.shutdown()
            try? FileManager.default.removeItem(at: directory)
        }
    }

    /// A running bot's account is `syncing` in `/health` (200) with its last sync, and
    /// connected in `/metrics` with its sends counted; once its token is revoked (logged out
    /// elsewhere), the account is `stopped` with the reason, `/health` is 503 and says why,
    /// and the gauge drops to 0.
    @Test func healthAndMetricsFollowTheAccountFromSyncingToStoppedWhenItsTokenIsRevoked() async throws {
        let setup = try await Setup.make()
        defer { Task { await setup.cleanUp() } }
        // A token of its own, so revoking it leaves the fixture's token alone.
        let session = try await MatrixClient(homeserver: setup.synapse.url, accessToken: nil)
            .login(user: setup.synapse.bot.userID, password: setup.synapse.bot.password)
        let startedAt = Date()
        let bot = try await setup.start(accountKeys: "access_token = \"\(session.accessToken)\"")

        let ping = try await setup.say("!ping")
        try await eventually("the answer to !ping") { await !setup.replies(to: ping).isEmpty }
        var health: (status: UInt, json: [String: Any]) = (0, [:])
        try await eventually("/health with the account syncing") {
            health = (try? await setup.health()) ?? (0, [:])
            return (health.json["matrix"] as? [String: Any])?["synapse"] != nil
        }
        #expect(health.status == 200, "\(health.json)")
        #expect(health.json["status"] as? String == "ok")
        let syncing = try #require((health.json["matrix"] as? [String: Any])?["synapse"] as? [String: Any])
        #expect(syncing["state"] as? String == "syncing", "\(syncing)")
        let lastSync = try #require(syncing["last_sync_at"] as? String)
        #expect(ISO8601DateFormatter().date(from: lastSync).map { $0 >= startedAt.addingTimeInterval(-1) } == true, "\(lastSync)")
        #expect(syncing["stop_reason"] == nil && syncing["last_error"] == nil)

        var scrape = try await setup.metrics()
        #expect(scrape.value("mjbridge_matrix_connected", ["account": "synapse"]) == 1, "\(scrape)")
        let timestamp = try #require(scrape.value("mjbridge_matrix_last_sync_timestamp_seconds", ["account": "synapse"]), "\(scrape)")
        #expect(timestamp >= startedAt.timeIntervalSince1970 - 1)
        #expect((scrape.value("mjbridge_matrix_sends_total", ["account": "synapse", "result": "sent"]) ?? 0) >= 1, "the pong")
        #expect(scrape.value("mjbridge_matrix_sends_total", ["account": "synapse", "result": "failed"]) == 0)
        #expect(scrape.value("mjbridge_matrix_uploads_total", ["account": "synapse", "result": "ok"]) == 0)
        #expect(scrape.value("mjbridge_matrix_rate_limited_total", ["account": "synapse"]) == 0)
        #expect(scrape.value("mjbridge_matrix_sync_failures_total", ["account": "synapse"]) != nil)
        #expect((scrape.value("mjbridge_chat_messages_total", ["network": "synapse"]) ?? 0) >= 1, "the !ping was heard")

        // Revoked: the bot's token is logged out by someone else.
        let revoker = MatrixClient(homeserver: setup.synapse.url, accessToken: session.accessToken)
        _ = try await revoker.perform(MatrixRequest(method: .post, path: "/_matrix/client/v3/logout", body: Data("{}".utf8),
                                                    contentType: "application/json"))
        // The bot's long poll (30 s) ends, the next request is refused: stopped.
        try await eventually("/health with the account stopped", timeout: .seconds(90)) {
            health = (try? await setup.health()) ?? (0, [:])
            return ((health.json["matrix"] as? [String: Any])?["synapse"] as? [String: Any])?["state"] as? String == "stopped"
        }
        #expect(health.status == 503)
        #expect(health.json["status"] as? String == "unhealthy")
        let reasons = health.json["reasons"] as? [String] ?? []
        #expect(reasons.contains { $0.hasPrefix("Matrix account synapse stopped: ") && $0.contains("M_UNKNOWN_TOKEN") }, "\(reasons)")
        #expect(reasons.contains("no Matrix account is syncing"), "\(reasons)")
        let stopped = try #require((health.json["matrix"] as? [String: Any])?["synapse"] as? [String: Any])
        let reason = try #require(stopped["stop_reason"] as? String)
        #expect(reason.contains("M_UNKNOWN_TOKEN"), "\(reason)")
        #expect(stopped["last_sync_at"] as? String != nil, "the last sync before it stopped is still shown")
        let text = try await setup.get("/health").body
        #expect(!text.contains(session.accessToken), "no token in the body")

        scrape = try await setup.metrics()
        #expect(scrape.value("mjbridge_matrix_connected", ["account": "synapse"]) == 0, "\(scrape)")
        #expect((scrape.value("mjbridge_matrix_sync_failures_total", ["account": "synapse"]) ?? 0) >= 1)
        #expect(!scrape.text.contains(session.accessToken))
        await bot.stop()
    }

    /// `command_prefix = "."` on the account: `.imagine` is answered (and its result names the
    /// next commands with `.`), `!imagine` is not; help shows `.`.
    @Test func anAccountWithItsOwnPrefixAnswersOnlyThatPrefix() async throws {
        let setup = try await Setup.make()
        defer { Task { await setup.cleanUp() } }
        let bot = try await setup.start(accountKeys: """
            access_token = "\(setup.synapse.bot.accessToken)"
            command_prefix = "."
            """)
        let ignored = try await setup.say("!imagine a fox with the wrong prefix")
        let command = try await setup.say(".imagine a fox with the right prefix")
        try await eventually("the result of .imagine", timeout: .seconds(90)) {
            await setup.replies(to: command).contains {
                $0["content"]?["msgtype"] == "m.notice" && $0["content"]?["body"]?.stringValue?.contains("http") == true
            }
        }
        let answers = await setup.replies(to: command).filter { $0["content"]?["msgtype"] == "m.notice" }
        let ack = answers.first?["content"]?["body"]?.stringValue ?? ""
        #expect(ack.contains("ref "), "\(ack)")
        let result = answers.last?["content"]?["body"]?.stringValue ?? ""
        #expect(result.contains("next: .u1–4 .v1–4 .reroll"), "\(result)")

        let help = try await setup.say(".help")
        try await eventually("the answer to .help") { await !setup.replies(to: help).isEmpty }
        let index = await setup.replies(to: help).first?["content"]?["body"]?.stringValue ?? ""
        #expect(index.contains(".help <command>"), "\(index)")
        // Everything after `!imagine` was answered: it was read and not taken as a command.
        #expect(await setup.replies(to: ignored).isEmpty)
        #expect(try await bot.runtime.store.recentTasks(scopeKey: "synapse\u{1}" + setup.roomID).count == 1)
        await bot.stop()
    }

    /// Over the command rate limit, the sender is told in the room: an `m.notice` replying to
    /// the command that crossed the limit and mentioning them (no direct room is opened).
    @Test func aSenderOverTheCommandLimitGetsTheNoticeInTheRoom() async throws {
        let setup = try await Setup.make()
        defer { Task { await setup.cleanUp() } }
        let limits = BotHarness.noLimits.replacingOccurrences(of: "commands_per_30s = 0", with: "commands_per_30s = 2")
        let bot = try await setup.start(accountKeys: "access_token = \"\(setup.synapse.bot.accessToken)\"", limits: limits)
        // One at a time: commands of one sync batch run side by side, so their order at the
        // limit would be anyone's.
        for n in 1...2 {
            let ping = try await setup.say("!ping")
            try await eventually("pong \(n)") { await !setup.replies(to: ping).isEmpty }
        }
        let third = try await setup.say("!ping")
        try await eventually("the notice") { await !setup.replies(to: third).isEmpty }
        let notice = try #require(await setup.replies(to: third).first?["content"])
        #expect(notice["msgtype"] == "m.notice")
        #expect(notice["body"]?.stringValue?.contains("You're sending commands too fast (more than 2 in 30 s)") == true,
                "\(notice)")
        #expect(notice["m.mentions"]?["user_ids"] == [.string(setup.synapse.user.userID)])
        // A fourth command is ignored silently: counted as refused, nothing said.
        let fourth = try await setup.say("!ping")
        try await eventually("the fourth command refused") {
            let scrape = try? await setup.metrics()
            return scrape?.value("mjbridge_commands_total", ["command": "ping", "outcome": "refused"]) == 2
        }
        #expect(await setup.replies(to: fourth).isEmpty)
        // Every send went to the room and was taken: none to a name.
        let scrape = try await setup.metrics()
        #expect(scrape.value("mjbridge_matrix_sends_total", ["account": "synapse", "result": "sent"]) == 3, "\(scrape)")
        #expect(scrape.value("mjbridge_matrix_sends_total", ["account": "synapse", "result": "failed"]) == 0, "\(scrape)")
        await bot.stop()
    }
}

extension MatrixAccountOnSynapseTests {
    /// `!join #alias:server` by an owner, then `!part` said in that room: both are remembered
    /// under the room id, so the restart neither joins it again nor leaves a stale row for the
    /// alias (remembered under the alias, `!part` in the room did not cancel the join).
    @Test func anOwnersJoinByAliasAndPartInTheRoomAreRememberedByRoomID() async throws {
        let setup = try await Setup.make()
        defer { Task { await setup.cleanUp() } }
        var bot = try await setup.start(accountKeys: "access_token = \"\(setup.synapse.bot.accessToken)\"")
        var account = try #require(bot.runtime.matrix.accounts["synapse"])
        let owner = MatrixClient(homeserver: setup.synapse.url, accessToken: setup.synapse.owner.accessToken)
        _ = try await owner.join(setup.roomID)
        let aliasName = "mxa\(UUID().uuidString.prefix(8).lowercased())"
        let other = try await owner.createRoom(["preset": "public_chat", "name": "joined by alias",
                                                "room_alias_name": .string(aliasName)])
        let alias = "#\(aliasName):\(setup.synapse.serverName)"
        func say(_ text: String, in room: String) async throws -> String {
            try await owner.send(roomID: room, transactionID: UUID().uuidString, content: ["msgtype": "m.text", "body": .string(text)])
        }
        /// What the store remembers joining or leaving here, by channel name.
        func rows() async throws -> [String: ChannelSetting.Membership] {
            var result: [String: ChannelSetting.Membership] = [:]
            for row in try await bot.runtime.store.channelSettings() where row.network == "synapse" {
                if let membership = row.membership { result[row.channel] = membership }
            }
            return result
        }

        _ = try await say("!join \(alias)", in: setup.roomID)
        try await eventually("the bot in the room joined by alias") { await account.isJoined(other) }
        try await eventually("the join remembered") { (try? await rows())?[other] == .joined }
        #expect(try await rows()[alias] == nil, "remembered by room id, not by alias")

        _ = try await say("!part", in: other)
        try await eventually("the bot out of the room") { await !account.isJoined(other) }
        try await eventually("the part remembered") { (try? await rows())?[other] == .parted }
        #expect(try await rows()[alias] == nil)

        // After a restart (channels restored before the sync loop answers anything) it stays out.
        await bot.stop()
        bot = try await setup.start(accountKeys: "access_token = \"\(setup.synapse.bot.accessToken)\"")
        account = try #require(bot.runtime.matrix.accounts["synapse"])
        let ping = try await setup.say("!ping")
        try await eventually("the answer to !ping after the restart") { await !setup.replies(to: ping).isEmpty }
        #expect(await !account.isJoined(other))
        let membership = ((try? await owner.messages(roomID: other, limit: 100).events) ?? []).first {
            $0["type"] == "m.room.member" && $0["state_key"]?.stringValue == setup.synapse.bot.userID
        }?["content"]?["membership"]?.stringValue
        #expect(membership == "leave")

        // Joined again by id, then asked to join by alias (unknown to this process): it is the same room.
        _ = try await say("!join \(other)", in: setup.roomID)
        try await eventually("the bot in the room again") { await account.isJoined(other) }
        let again = try await say("!join \(alias)", in: setup.roomID)
        try await eventually("the answer to !join by alias") { await !setup.replies(to: again).isEmpty }
        let answer = await setup.replies(to: again).first?["content"]?["body"]?.stringValue ?? ""
        #expect(answer.contains("I'm already in \(alias)"), "\(answer)")
        #expect(try await rows() == [other: .joined], "one row, by room id")
        await bot.stop()
    }
}

extension MatrixAccountOnSynapseTests {
    /// An account that logs in with its password has no token when the bridge restores the
    /// rooms joined from chat (at its own start): the join waits for the login instead of
    /// failing, so a room an owner had the bot `!join` is joined again after a restart.
    @Test func aPasswordAccountRejoinsARoomJoinedFromChatAfterARestart() async throws {
        let setup = try await Setup.make()
        defer { Task { await setup.cleanUp() } }
        let credential = "password = \"\(setup.synapse.bot.password)\""
        var bot = try await setup.start(accountKeys: credential)
        var account = try #require(bot.runtime.matrix.accounts["synapse"])
        let owner = MatrixClient(homeserver: setup.synapse.url, accessToken: setup.synapse.owner.accessToken)
        _ = try await owner.join(setup.roomID)
        let other = try await owner.createRoom(["preset": "public_chat", "name": "joined from chat"])
        _ = try await owner.send(roomID: setup.roomID, transactionID: UUID().uuidString,
                                 content: ["msgtype": "m.text", "body": .string("!join \(other)")])
        try await eventually("the bot in the room joined from chat") { await account.isJoined(other) }
        await bot.stop()

        // While it is down, the bot's user leaves that room (another of its devices).
        try await MatrixClient(homeserver: setup.synapse.url, accessToken: setup.synapse.bot.accessToken).leave(other)
        bot = try await setup.start(accountKeys: credential)
        account = try #require(bot.runtime.matrix.accounts["synapse"])
        try await eventually("the room joined from chat joined again") { await account.isJoined(other) }
        await bot.stop()
    }
}

/// Polls `condition` every 200 ms; fails the test (throws) after `timeout`.
private func eventually(_ what: String, timeout: Duration = .seconds(60), _ condition: () async -> Bool) async throws {
    let end = ContinuousClock.now + timeout
    while ContinuousClock.now < end {
        if await condition() { return }
        try await Task.sleep(for: .milliseconds(200))
    }
    Issue.record("timed out waiting for \(what)")
    throw CancellationError()
}
