import App
import Bridge
import Foundation
import Logging
import Matrix
import MatrixTestSupport
import MidjourneySimulator
import Testing

/// The bot as a Matrix account on a real Synapse, with the in-repo simulator as the proxy:
/// commands in a room, replies as notices to the command's event, the since token across a
/// restart, and one event per owed line however often it is delivered.
@Suite(.serialized, .synapse, .disabled(if: Synapse.skipRequested, Synapse.skipReason))
struct MatrixBotOnSynapseTests {
    struct Setup {
        let synapse: Synapse
        let simulator: SimulatorServer
        let directory: URL
        let roomID: String
        let user: MatrixClient
        let httpPort: Int

        var config: String {
            """
            [bot]
            database = "bot.sqlite"
            log_level = "info"

            [proxy]
            base_url = "\(simulator.apiBaseURL)"
            api_key = "e2e-key-0123456789"
            poll_interval_seconds = 1
            task_deadline_minutes = 5

            [http]
            listen = "127.0.0.1:\(httpPort)"
            public_base_url = "http://127.0.0.1:\(httpPort)"

            \(BotHarness.noLimits)
            [images]
            allow_networks = ["127.0.0.0/8"]

            [[matrix]]
            name = "synapse"
            homeserver = "\(synapse.url)"
            user_id = "\(synapse.bot.userID)"
            access_token = "\(synapse.bot.accessToken)"
            rooms = ["\(roomID)"]
            """
        }

        static func make() async throws -> Setup {
            let synapse = try Synapse.require()
            let simulator = try await SimulatorServer.start(
                host: "127.0.0.1", port: 0,
                configuration: SimulatorConfiguration(flavor: .trueai, apiKey: "e2e-key-0123456789", timing: .quick))
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mjbridge-mx-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let user = MatrixClient(homeserver: synapse.url, accessToken: synapse.user.accessToken)
            // Public: the bot joins it by id from its config, as an operator would set it up.
            let roomID = try await user.createRoom(["preset": "public_chat", "name": "mjbridge e2e"])
            return Setup(synapse: synapse, simulator: simulator, directory: directory, roomID: roomID, user: user,
                         httpPort: try await freePort())
        }

        func start() async throws -> RunningBot {
            let path = directory.appendingPathComponent("bot.conf").path
            try config.write(toFile: path, atomically: true, encoding: .utf8)
            let configuration = try ConfigurationLoader(environment: [:]).load(path: path)
            var logger = Logger(label: "e2e.matrix-bot")
            logger.logLevel = .notice
            try await waitUntilBindable(port: httpPort)
            let runtime = try await BotRuntime.make(configuration: configuration, logger: logger)
            let group = runtime.serviceGroup(signals: [])
            let bot = RunningBot(runtime: runtime, group: group, task: Task { try await group.run() })
            // In the room and syncing, or the test fails.
            let account = try #require(runtime.matrix.accounts["synapse"])
            try await waitFor("the bot syncs in the room") {
                let running = await account.isRunning
                let inRoom = await account.isJoined(roomID)
                return running && inRoom
            }
            return bot
        }

        /// Sends `text` as the user; returns its event id.
        func say(_ text: String) async throws -> String {
            try await user.send(roomID: roomID, transactionID: UUID().uuidString, content: ["msgtype": "m.text", "body": .string(text)])
        }

        /// The bot's notices in the room, oldest first (as Synapse stores them).
        func botNotices() async throws -> [MatrixJSON] {
            var events: [MatrixJSON] = []
            var from: String?
            for _ in 0..<3 {
                let page = try await user.messages(roomID: roomID, from: from, limit: 100)
                events += page.events.filter {
                    $0["type"] == "m.room.message" && $0["sender"]?.stringValue == synapse.bot.userID
                        && $0["content"]?["msgtype"] == "m.notice"
                }
                guard let end = page.end, !page.events.isEmpty else { break }
                from = end
            }
            return events.reversed()
        }

        func cleanUp() async {
            await simulator.shutdown()
            try? FileManager.default.removeItem(at: directory)
        }
    }

    @Test func imagineIsAnsweredWithAReplyThenTheResultAndARestartRunsNothingAgain() async throws {
        let setup = try await Setup.make()
        defer { Task { await setup.cleanUp() } }
        var bot = try await setup.start()
        let command = try await setup.say("!imagine a red fox")

        var notices: [MatrixJSON] = []
        try await waitFor("the acknowledgement and the result", timeout: .seconds(90)) {
            notices = (try? await setup.botNotices()) ?? []
            return notices.contains { $0["content"]?["body"]?.stringValue?.contains("http") == true }
        }
        let ack = try #require(notices.first)
        let ackBody = ack["content"]?["body"]?.stringValue ?? ""
        #expect(ackBody.contains("ref "), "the acknowledgement names the ref: \(ackBody)")
        #expect(ack["content"]?["m.relates_to"]?["m.in_reply_to"]?["event_id"]?.stringValue == command)
        #expect(ack["content"]?["m.mentions"]?["user_ids"] == [.string(setup.synapse.user.userID)])
        let result = try #require(notices.last)
        #expect(result["content"]?["body"]?.stringValue?.contains("http") == true)
        // The result, posted by the tracker long after the command, still replies to it.
        #expect(result["content"]?["m.relates_to"]?["m.in_reply_to"]?["event_id"]?.stringValue == command)
        let before = notices.count

        // Restart: the old command is not run again. A new command answered after the
        // restart proves the bot has read past the old one.
        await bot.stop()
        bot = try await setup.start()
        let ping = try await setup.say("!ping")
        try await waitFor("the answer to !ping") {
            let now = (try? await setup.botNotices()) ?? []
            return now.contains { $0["content"]?["m.relates_to"]?["m.in_reply_to"]?["event_id"]?.stringValue == ping }
        }
        let after = try await setup.botNotices()
        let acks = after.filter { $0["content"]?["m.relates_to"]?["m.in_reply_to"]?["event_id"]?.stringValue == command }
        #expect(acks.count == before, "nothing for the old command was said again: \(acks.count) vs \(before)")
        await bot.stop()
    }

    @Test func anOwedLineDeliveredTwiceIsOneEvent() async throws {
        let setup = try await Setup.make()
        defer { Task { await setup.cleanUp() } }
        let bot = try await setup.start()
        let text = "owed line \(UUID().uuidString.prefix(8))"
        let line = OutgoingChat(network: "synapse", target: setup.roomID, text: text, style: .notice, outboxLineID: 424_242)
        // As after a timeout or a crash between the send and the mark: the same line again.
        #expect(await bot.runtime.matrix.deliver(line, from: 0) == .confirmed)
        #expect(await bot.runtime.matrix.deliver(line, from: 0) == .confirmed)
        let marker = "marker \(UUID().uuidString.prefix(8))"
        #expect(await bot.runtime.matrix.deliver(OutgoingChat(network: "synapse", target: setup.roomID, text: marker,
                                                               outboxLineID: 424_243), from: 0) == .confirmed)
        let notices = try await setup.botNotices()
        #expect(notices.contains { $0["content"]?["body"]?.stringValue == marker })
        #expect(notices.filter { $0["content"]?["body"]?.stringValue == text }.count == 1)
        await bot.stop()
    }
}

/// Polls `condition` every 200 ms; fails the test (throws) after `timeout`.
private func waitFor(_ what: String, timeout: Duration = .seconds(30), _ condition: () async -> Bool) async throws {
    let end = ContinuousClock.now + timeout
    while ContinuousClock.now < end {
        if await condition() { return }
        try await Task.sleep(for: .milliseconds(200))
    }
    Issue.record("timed out waiting for \(what)")
    throw CancellationError()
}
