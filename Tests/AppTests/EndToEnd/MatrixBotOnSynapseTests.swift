import App
import Bridge
import Foundation
import Logging
import Matrix
import MatrixTestSupport
import MidjourneyAPI
import MidjourneySimulator
import Store
#if canImport(Glibc)
import Glibc
#endif
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

        /// `homeserver`: where the bot connects (a relay in front of Synapse); `rooms`: its
        /// `rooms` (default: the test's room).
        func config(credential: String? = nil, homeserver: String? = nil, rooms: [String]? = nil) -> String {
            let roomList = (rooms ?? [roomID]).map { "\"\($0)\"" }.joined(separator: ", ")
            return """
            [bot]
            database = "bot.sqlite"
            owners = ["\(synapse.owner.userID)"]
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
            homeserver = "\(homeserver ?? synapse.url)"
            user_id = "\(synapse.bot.userID)"
            \(credential ?? "access_token = \"\(synapse.bot.accessToken)\"")
            rooms = [\(roomList)]
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

        func start(credential: String? = nil, waitUntilSyncing: Bool = true) async throws -> RunningBot {
            let path = directory.appendingPathComponent("bot.conf").path
            try config(credential: credential).write(toFile: path, atomically: true, encoding: .utf8)
            let configuration = try ConfigurationLoader(environment: [:]).load(path: path)
            var logger = Logger(label: "e2e.matrix-bot")
            logger.logLevel = .notice
            try await waitUntilBindable(port: httpPort)
            let runtime = try await BotRuntime.make(configuration: configuration, logger: logger)
            let group = runtime.serviceGroup(signals: [])
            let bot = RunningBot(runtime: runtime, group: group, task: Task { try await group.run() })
            guard waitUntilSyncing else { return bot }
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
        // A position from before the command, to replay its batch later (as after a crash
        // between handling a batch and storing its position).
        let early = try #require(try await bot.runtime.store.matrixSession(account: "synapse")?.since)
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
        #expect(try await setup.botNotices().filter {
            $0["content"]?["m.relates_to"]?["m.in_reply_to"]?["event_id"]?.stringValue == command
        }.count == before)

        // Replayed from before the command: the batch comes again, the command does not run again.
        await bot.stop()
        try await bot.runtime.store.commitMatrixSince(account: "synapse", since: early)
        bot = try await setup.start()
        let ping2 = try await setup.say("!ping")
        try await waitFor("the answer to !ping") {
            let now = (try? await setup.botNotices()) ?? []
            return now.contains { $0["content"]?["m.relates_to"]?["m.in_reply_to"]?["event_id"]?.stringValue == ping2 }
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

extension MatrixBotOnSynapseTests {
    @Test func aPasswordLogsInOnceAndTheSameDeviceIsKeptAcrossARestart() async throws {
        let setup = try await Setup.make()
        defer { Task { await setup.cleanUp() } }
        let credential = "password = \"\(setup.synapse.bot.password)\""
        var bot = try await setup.start(credential: credential)
        let first = try #require(try await bot.runtime.store.matrixSession(account: "synapse"))
        let device = try #require(first.deviceID)
        #expect(first.userID == setup.synapse.bot.userID)
        #expect(device != setup.synapse.bot.deviceID, "a login of its own, not the registration's device")
        await bot.stop()
        bot = try await setup.start(credential: credential)
        let account = try #require(bot.runtime.matrix.accounts["synapse"])
        #expect(try await account.client.whoAmI().deviceID == device)
        #expect(try await bot.runtime.store.matrixSession(account: "synapse")?.accessToken == first.accessToken)
        await bot.stop()
    }

    @Test func aRejectedTokenStopsThatAccountWithOneReasonAndTheBotRunsOn() async throws {
        let setup = try await Setup.make()
        defer { Task { await setup.cleanUp() } }
        let bot = try await setup.start(credential: "access_token = \"syt_not_a_token\"", waitUntilSyncing: false)
        let account = try #require(bot.runtime.matrix.accounts["synapse"])
        try await waitFor("the account to stop") { await account.stopReason != nil }
        let reason = await account.stopReason ?? ""
        #expect(reason.contains("M_UNKNOWN_TOKEN"), "\(reason)")
        #expect(!reason.contains("syt_not_a_token"))
        // The rest of the bot (HTTP, the poller) is still up.
        try await Task.sleep(for: .milliseconds(300))
        #expect(await account.isRunning == false)
        #expect(!bot.task.isCancelled)
        await bot.stop()
    }
}

extension MatrixBotOnSynapseTests {
    /// The real executable, SIGKILLed with a job in flight; the job finishes while it is down.
    /// After the restart its result is in the room exactly once, and the command is not run again.
    @Test func killedWithAJobInFlightPostsTheResultOnceAfterRestart() async throws {
        let setup = try await Setup.make()
        defer { Task { await setup.cleanUp() } }
        let path = setup.directory.appendingPathComponent("bot.conf").path
        try setup.config().write(toFile: path, atomically: true, encoding: .utf8)
        let log = setup.directory.appendingPathComponent("bot.log").path
        await setup.simulator.controls.stick(atPercent: 50)
        var bot = try ChildProcess(ChildProcess.mjbridgeExecutable, ["run", "-c", path], logPath: log)
        // A failing test leaves no bot behind (and never signals a pid already reaped).
        var alive = true
        defer { if alive { bot.signal(SIGKILL) } }
        // The bot joins after its first sync (which skips history): a command after its join counts.
        try await waitFor("the bot joining the room", timeout: .seconds(60)) {
            let page = try? await setup.user.messages(roomID: setup.roomID, limit: 50)
            return page?.events.contains {
                $0["type"] == "m.room.member" && $0["state_key"]?.stringValue == setup.synapse.bot.userID
                    && $0["content"]?["membership"] == "join"
            } ?? false
        }
        let command = try await setup.say("!imagine a killed fox")
        try await waitFor("the acknowledgement", timeout: .seconds(60)) {
            ((try? await setup.botNotices()) ?? []).contains {
                $0["content"]?["m.relates_to"]?["m.in_reply_to"]?["event_id"]?.stringValue == command
            }
        }
        bot.signal(SIGKILL)
        #expect(await bot.wait() == 128 + SIGKILL)
        alive = false

        // The job finishes while the bot is down (its callback hits a closed port).
        let store = try SQLiteStore.open(path: setup.directory.appendingPathComponent("bot.sqlite").path)
        let pending = try await store.pendingTasks()
        let ids = pending.map(\.id)
        let said = ((try? await setup.botNotices()) ?? []).map { $0["content"]?["body"]?.stringValue ?? "" }
        #expect(ids.count == 1, "one task pending while the bot is down: \(pending.map { "\($0.id) \($0.kind) \($0.prompt)" }) notices: \(said)")
        await setup.simulator.controls.stick(atPercent: nil)
        let proxy = try MidjourneyClient(configuration: MidjourneyConfiguration(baseURL: setup.simulator.apiBaseURL, apiKey: "e2e-key-0123456789"),
                                         httpClient: MidjourneyClient.sharedHTTPClient)
        try await waitFor("the job to finish at the proxy", timeout: .seconds(60)) {
            ((try? await proxy.list(ids: ids)) ?? []).allSatisfy { $0.status == .success }
        }

        bot = try ChildProcess(ChildProcess.mjbridgeExecutable, ["run", "-c", path], logPath: log)
        alive = true
        try await waitFor("the result after the restart", timeout: .seconds(60)) {
            ((try? await setup.botNotices()) ?? []).contains { $0["content"]?["body"]?.stringValue?.contains("http") == true }
        }
        // A command answered after the restart: the bot has read past everything before it.
        let ping = try await setup.say("!ping")
        try await waitFor("the answer to !ping", timeout: .seconds(60)) {
            ((try? await setup.botNotices()) ?? []).contains {
                $0["content"]?["m.relates_to"]?["m.in_reply_to"]?["event_id"]?.stringValue == ping
            }
        }
        let notices = try await setup.botNotices()
        let results = notices.filter { $0["content"]?["body"]?.stringValue?.contains("http") == true }
        let replies = notices.filter { $0["content"]?["m.relates_to"]?["m.in_reply_to"]?["event_id"]?.stringValue == command }
        // `⏳ ref N started` comes or not, by timing (the job may start before or after the
        // bot sees it; a late one is dropped once the result exists): at most once.
        let progress = replies.filter { $0.messageBody.contains("⏳ ref ") }
        let answers = replies.filter { !$0.messageBody.contains("⏳ ref ") }
        #expect(results.count == 1, "exactly one result: \(results)\nbot log:\n\(bot.log.suffix(3000))")
        #expect(answers.count == 2, "the acknowledgement and the result, nothing twice: \(answers.map(\.messageBody))")
        #expect(progress.count <= 1, "progress said at most once: \(progress.map(\.messageBody))")
        bot.signal(SIGTERM)
        _ = await bot.wait()
        alive = false
    }
}

extension MatrixBotOnSynapseTests {
    /// Owners (by Matrix user id) have the bot join and leave rooms from chat; anyone else is refused.
    @Test func anOwnerMakesTheBotJoinAndLeaveARoomOthersCannot() async throws {
        let setup = try await Setup.make()
        defer { Task { await setup.cleanUp() } }
        let bot = try await setup.start()
        let owner = MatrixClient(homeserver: setup.synapse.url, accessToken: setup.synapse.owner.accessToken)
        _ = try await owner.join(setup.roomID)
        let other = try await owner.createRoom(["preset": "public_chat", "name": "second room"])
        let account = try #require(bot.runtime.matrix.accounts["synapse"])

        let refused = try await setup.say("!join \(other)")
        try await waitFor("the refusal") {
            ((try? await setup.botNotices()) ?? []).contains {
                $0["content"]?["m.relates_to"]?["m.in_reply_to"]?["event_id"]?.stringValue == refused
            }
        }
        #expect(await !account.isJoined(other))

        _ = try await owner.send(roomID: setup.roomID, transactionID: UUID().uuidString,
                                 content: ["msgtype": "m.text", "body": .string("!join \(other)")])
        try await waitFor("the bot in the second room") { await account.isJoined(other) }
        let members = try await owner.messages(roomID: other, limit: 50).events.filter {
            $0["type"] == "m.room.member" && $0["state_key"]?.stringValue == setup.synapse.bot.userID
        }
        #expect(members.first?["content"]?["membership"] == "join")

        _ = try await owner.send(roomID: setup.roomID, transactionID: UUID().uuidString,
                                 content: ["msgtype": "m.text", "body": .string("!part \(other)")])
        try await waitFor("the bot leaving the second room") { await !account.isJoined(other) }
        await bot.stop()
    }
}

extension MatrixBotOnSynapseTests {
    /// The bot's membership in `room` as `viewer` sees it (nil: no member event for the bot yet).
    static func botMembership(in room: String, viewer: MatrixClient, bot: String) async -> String? {
        let events = (try? await viewer.messages(roomID: room, limit: 100).events) ?? []
        // Newest first: the latest member event of the bot.
        return events.first { $0["type"] == "m.room.member" && $0["state_key"]?.stringValue == bot }?["content"]?["membership"]?
            .stringValue
    }

    /// `invites = "owners"` (the default): an owner's invitation is followed and kept like
    /// `!join`; a stranger's is declined; both audited.
    @Test func anOwnersInvitationIsFollowedAndKeptAStrangersIsDeclined() async throws {
        let setup = try await Setup.make()
        defer { Task { await setup.cleanUp() } }
        var bot = try await setup.start()
        let account = try #require(bot.runtime.matrix.accounts["synapse"])
        let botID = setup.synapse.bot.userID
        let owner = MatrixClient(homeserver: setup.synapse.url, accessToken: setup.synapse.owner.accessToken)

        let ownersRoom = try await owner.createRoom(["preset": "private_chat", "name": "owner's room"])
        try await owner.invite(roomID: ownersRoom, userID: botID)
        try await waitFor("the bot in the owner's room") { await account.isJoined(ownersRoom) }
        #expect(await Self.botMembership(in: ownersRoom, viewer: owner, bot: botID) == "join")

        let strangersRoom = try await setup.user.createRoom(["preset": "private_chat", "name": "stranger's room"])
        try await setup.user.invite(roomID: strangersRoom, userID: botID)
        try await waitFor("the stranger's invitation declined") {
            await Self.botMembership(in: strangersRoom, viewer: setup.user, bot: botID) == "leave"
        }
        #expect(await !account.isJoined(strangersRoom))

        // Kept like !join; both audited under the inviter's user id.
        let kept = try await bot.runtime.store.channelSettings().filter { $0.network == "synapse" && $0.channel == ownersRoom }
        #expect(kept.first?.membership == .joined)
        #expect(try await bot.runtime.store.channelSettings().contains { $0.channel == strangersRoom } == false)
        let audit = try await bot.runtime.store.recentAudit(limit: 20).filter { $0.command == "invite" }
        #expect(audit.contains { $0.account == setup.synapse.owner.userID && $0.target == ownersRoom && $0.outcome == "ok: joined" })
        #expect(audit.contains { $0.account == setup.synapse.user.userID && $0.target == strangersRoom
            && $0.outcome == "refused: not an owner" })

        // After a restart the bot is still in the room it was invited to (wanted, not only joined).
        await bot.stop()
        bot = try await setup.start()
        let again = try #require(bot.runtime.matrix.accounts["synapse"])
        try await waitFor("the invited room after the restart") { await again.isJoined(ownersRoom) }
        #expect(await bot.runtime.matrix.channelStatus(network: "synapse", channel: ownersRoom) == .joined)
        await bot.stop()
    }

    /// An encrypted room (here learned from the invitation and from the join) is told once that
    /// the bot cannot read it, and never again: not after a restart, not when the batch that
    /// showed its encryption is read again.
    @Test func anEncryptedRoomGetsExactlyOneNoticeAcrossARestart() async throws {
        let setup = try await Setup.make()
        defer { Task { await setup.cleanUp() } }
        var bot = try await setup.start()
        let account = try #require(bot.runtime.matrix.accounts["synapse"])
        let early = try #require(try await bot.runtime.store.matrixSession(account: "synapse")?.since)
        let botID = setup.synapse.bot.userID
        let owner = MatrixClient(homeserver: setup.synapse.url, accessToken: setup.synapse.owner.accessToken)
        let room = try await owner.createRoom([
            "preset": "private_chat", "name": "secret room",
            "initial_state": [["type": "m.room.encryption", "state_key": "", "content": ["algorithm": "m.megolm.v1.aes-sha2"]]],
        ])
        try await owner.invite(roomID: room, userID: botID)
        func notices() async -> [MatrixJSON] {
            ((try? await owner.messages(roomID: room, limit: 100).events) ?? []).filter {
                $0["sender"]?.stringValue == botID && $0["content"]?["msgtype"] == "m.notice"
            }
        }
        try await waitFor("the notice in the encrypted room") { await !notices().isEmpty }
        #expect(await account.isJoined(room))
        let body = await notices().first?["content"]?["body"]?.stringValue ?? ""
        #expect(body.contains("encrypted"), "\(body)")

        // Restart, reading again from before the invitation: the join and its encryption state
        // come once more; nothing is said again.
        await bot.stop()
        try await bot.runtime.store.commitMatrixSince(account: "synapse", since: early)
        bot = try await setup.start()
        let ping = try await setup.say("!ping")
        try await waitFor("the answer to !ping after the restart") {
            ((try? await setup.botNotices()) ?? []).contains {
                $0["content"]?["m.relates_to"]?["m.in_reply_to"]?["event_id"]?.stringValue == ping
            }
        }
        #expect(await notices().count == 1)
        await bot.stop()
    }
}

extension MatrixBotOnSynapseTests {
    /// A result is an `m.image` uploaded to the homeserver (its content downloads through the
    /// authenticated media API with the proxy's bytes), then the result notice; delivering the
    /// line again (as after a crash before the mark) makes neither event twice.
    @Test func aResultIsAnUploadedImageThenItsNoticeAndAResendAddsNothing() async throws {
        let setup = try await Setup.make()
        defer { Task { await setup.cleanUp() } }
        let bot = try await setup.start()
        let botID = setup.synapse.bot.userID
        let command = try await setup.say("!imagine a red fox")
        func timeline() async -> [MatrixJSON] {
            // Oldest first, the bot's messages only.
            (((try? await setup.user.messages(roomID: setup.roomID, limit: 100).events) ?? []).filter {
                $0["type"] == "m.room.message" && $0["sender"]?.stringValue == botID
            }).reversed()
        }
        func isResult(_ event: MatrixJSON) -> Bool {
            event["content"]?["msgtype"] == "m.notice" && event["content"]?["body"]?.stringValue?.contains("http") == true
        }
        try await waitFor("the result notice", timeout: .seconds(90)) { await timeline().contains(where: isResult) }
        var events = await timeline()
        let imageIndex = try #require(events.firstIndex { $0["content"]?["msgtype"] == "m.image" })
        let resultIndex = try #require(events.firstIndex(where: isResult))
        #expect(imageIndex < resultIndex, "the image comes before the result notice")
        let image = try #require(events[imageIndex]["content"])
        #expect(image["m.relates_to"]?["m.in_reply_to"]?["event_id"]?.stringValue == command)
        // First the acknowledgement with the ref, replying to the command; the result notice
        // after the image names the same ref and the next actions.
        let ackIndex = try #require(events.firstIndex { $0.messageBody.contains("— ref ") })
        #expect(ackIndex < imageIndex, "the acknowledgement comes before the image")
        #expect(events[ackIndex]["content"]?["m.relates_to"]?["m.in_reply_to"]?["event_id"]?.stringValue == command)
        let ref = try #require(BotOnTestnetTests.reference(in: events[ackIndex].messageBody))
        let resultText = events[resultIndex].messageBody
        #expect(resultText.contains("ref \(ref)") && resultText.contains("next: !u1–4"), "\(resultText)")
        #expect(events[resultIndex]["content"]?["m.relates_to"]?["m.in_reply_to"]?["event_id"]?.stringValue == command)

        // The same bytes as the proxy's image, and an `info` that describes them.
        let scope = "synapse\u{1}" + setup.roomID
        let task = try #require(try await bot.runtime.store.recentTasks(scopeKey: scope).first { $0.kind == "imagine" })
        let proxyBytes = try await ImageHost.download(try #require(task.imageUrl)).bytes
        let uri = try #require(image["url"]?.stringValue.flatMap(MediaURI.init))
        let media = try await setup.user.download(uri)
        #expect(media.data == Data(proxyBytes), "the uploaded image is the proxy's image")
        let header = try #require(ImageHeader.read(media.data))
        #expect(image["info"]?["mimetype"]?.stringValue == header.mimetype)
        #expect(image["info"]?["size"] == .int(Int64(media.data.count)))
        #expect(image["info"]?["w"] == .int(Int64(header.width)))
        #expect(image["info"]?["h"] == .int(Int64(header.height)))

        // Forced resend of the result line: the same two transaction ids, no new event.
        let resultBody = try #require(events[resultIndex]["content"]?["body"]?.stringValue)
        let line = try #require(try await bot.runtime.store.lines(forTask: task.id).first { $0.text == resultBody })
        let again = OutgoingChat(network: "synapse", target: setup.roomID, text: line.text, style: .notice, replyTo: line.replyTo,
                                 outboxLineID: line.id, taskId: task.id)
        #expect(await bot.runtime.matrix.deliver(again, from: 0) == .confirmed)
        let marker = "marker \(UUID().uuidString.prefix(8))"
        #expect(await bot.runtime.matrix.deliver(OutgoingChat(network: "synapse", target: setup.roomID, text: marker,
                                                               outboxLineID: 525_252), from: 0) == .confirmed)
        try await waitFor("the marker") { await timeline().contains { $0["content"]?["body"]?.stringValue == marker } }
        events = await timeline()
        #expect(events.filter { $0["content"]?["msgtype"] == "m.image" }.count == 1, "one image")
        #expect(events.filter(isResult).count == 1, "one result notice")
        await bot.stop()
    }
}

extension MatrixBotOnSynapseTests {
    /// No image to upload (the proxy's image host is down, so neither a mirror nor a download):
    /// the result notice with its link is posted alone, once.
    @Test func withoutTheImageTheResultIsItsLinkLineAlone() async throws {
        let setup = try await Setup.make()
        defer { Task { await setup.cleanUp() } }
        let bot = try await setup.start()
        await setup.simulator.controls.setImageHostDown(true)
        let botID = setup.synapse.bot.userID
        _ = try await setup.say("!imagine a fox without a picture")
        func events() async -> [MatrixJSON] {
            ((try? await setup.user.messages(roomID: setup.roomID, limit: 100).events) ?? []).filter {
                $0["type"] == "m.room.message" && $0["sender"]?.stringValue == botID
            }
        }
        try await waitFor("the result notice", timeout: .seconds(90)) {
            await events().contains { $0["content"]?["body"]?.stringValue?.contains("http") == true }
        }
        let all = await events()
        #expect(!all.contains { $0["content"]?["msgtype"] == "m.image" }, "no image event without an image")
        #expect(all.filter { $0["content"]?["body"]?.stringValue?.contains("http") == true }.count == 1)
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
