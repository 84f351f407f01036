import App
import Bridge
import Foundation
import Matrix
import MatrixTestSupport
import MidjourneyAPI
import Store
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// The real executable on a real Synapse, SIGKILLed at the two moments a crash can hit an owed
/// send: before the `PUT …/send/…/{txnId}` reached the homeserver, and after the homeserver
/// stored the event but before the bot read the answer. A relay between them
/// (`HomeserverRelay`) holds that one request, so the kill lands there every time, not by luck.
/// After the restart each result is in the room exactly once (counted with `/messages`), and no
/// old command ran again (counted at the simulator).
@Suite(.serialized, .synapse, .disabled(if: Synapse.skipRequested, Synapse.skipReason))
struct MatrixCrashOnSynapseTests {
    typealias Setup = MatrixBotOnSynapseTests.Setup

    /// A bot process behind a relay, with its config written.
    struct Crashable {
        let setup: Setup
        let relay: HomeserverRelay
        let bot: BotProcess

        /// `extraRooms`: made by the user before the bot exists; `rooms` of the config lists
        /// the test's room and these.
        static func make(credential: String? = nil, extraRooms: Int = 0) async throws -> (Crashable, [String]) {
            let setup = try await Setup.make()
            var rooms: [String] = []
            for index in 0..<extraRooms {
                rooms.append(try await setup.user.createRoom(["preset": "public_chat", "name": .string("mjbridge e2e \(index + 2)")]))
            }
            let relay = try await HomeserverRelay.start(forwardingTo: setup.synapse.url)
            let path = setup.directory.appendingPathComponent("bot.conf").path
            try setup.config(credential: credential, homeserver: relay.url, rooms: [setup.roomID] + rooms)
                .replacingOccurrences(of: "log_level = \"info\"", with: "log_level = \"debug\"")
                .write(toFile: path, atomically: true, encoding: .utf8)
            return (Crashable(setup: setup, relay: relay,
                              bot: BotProcess(configPath: path, logPath: setup.directory.appendingPathComponent("bot.log").path)), rooms)
        }

        func cleanUp() async {
            bot.killIfRunning()
            await relay.stop()
            await setup.cleanUp()
        }

        var store: SQLiteStore {
            get throws { try SQLiteStore.open(path: setup.directory.appendingPathComponent("bot.sqlite").path) }
        }

        var tasksCreated: Int { get async { await setup.simulator.controls.stats().tasksCreated } }
    }

    // MARK: Kill after the homeserver stored the event, before the bot read the answer

    /// Password login (the device is the bot's own, kept in its database), two jobs: A's result
    /// notice is on the homeserver but its answer never reached the bot; B is still drawing and
    /// its acknowledgement not yet sent. After the restart A's line is sent again with the same
    /// transaction id and the same login, Synapse answers with the first event, and B's
    /// acknowledgement and result arrive: one of each in the room.
    @Test func killedAfterTheHomeserverStoredAResultTheResendIsTheSameEvent() async throws {
        let password = try Synapse.require().bot.password
        let (crash, _) = try await Crashable.make(credential: "password = \"\(password)\"")
        defer { Task { await crash.cleanUp() } }
        let (setup, relay, bot) = (crash.setup, crash.relay, crash.bot)
        // The result notice of an image result: part 1 of its line (the m.image is part 0).
        relay.hold(.afterTheHomeserverAnswered) { txnID, msgtype in
            txnID.hasPrefix("mjb1.") && txnID.hasSuffix(".1") && msgtype == "m.notice"
        }
        try bot.start()
        try await setup.waitForTheBotToJoin(log: bot)

        let first = try await setup.say("!imagine a fox held at the door")
        try await setup.waitForAcknowledgement(of: first, log: bot)
        try await pollUntil("the result notice of the first job held at the relay", timeout: .seconds(120), log: bot, context: { relay.requestLog }) {
            relay.heldTransactionID != nil
        }
        // A second job, still drawing when the bot dies. Its acknowledgement is an owed line
        // too, queued behind the held one (one account's lines go out one at a time): it is
        // seen in the bot's database, not in the room. Killed well within the 30 s after which
        // the bot would give up on the held send and send it again.
        await setup.simulator.controls.stick(atPercent: 50)
        let second = try await setup.say("!imagine a fox still drawing")
        let store = try crash.store
        try await pollUntil("the second job tracked", log: bot) {
            ((try? await store.pendingTasks()) ?? []).contains { $0.prompt.contains("still drawing") }
        }

        #expect(await bot.kill() == 128 + SIGKILL)
        relay.release()
        let held = try #require(relay.sends.first { $0.held })
        // Honest only if the bot died with the send unanswered (it gives up after 30 s and
        // sends again: that would be a plain retry, not a crash in flight).
        #expect(!relay.sends.contains { $0.transactionID == held.transactionID && !$0.held },
                "the held send was still in flight when the bot was killed\n\(relay.requestLog)")
        let heldEvent = try #require(held.eventID, "Synapse stored the held notice")
        #expect(try await setup.botMessages().contains { $0["event_id"]?.stringValue == heldEvent },
                "the held result notice is in the room although the bot never saw the answer")
        let login = try #require(try await store.matrixSession(account: "synapse"))
        let device = try #require(login.deviceID)
        #expect(login.accessToken == held.accessToken, "the held send used the stored login")
        let pending = try await store.pendingTasks()
        #expect(pending.count == 1, "the second job is in flight: \(pending.map(\.prompt))")

        // The second job finishes while the bot is down.
        await setup.simulator.controls.stick(atPercent: nil)
        try await setup.waitForTheProxyToFinish(pending.map(\.id), log: bot)

        try bot.start()
        try await pollUntil("the second job's result after the restart", timeout: .seconds(120), log: bot, context: { relay.requestLog }) {
            await setup.results(replyingTo: second).count >= 1
        }
        try await setup.waitForAnswer(to: try await setup.say("!ping"), log: bot)
        for command in [first, second] {
            #expect(await setup.images(replyingTo: command).count == 1, "one image for \(command)\n\(bot.logTail)")
            #expect(await setup.results(replyingTo: command).count == 1, "one result notice for \(command)")
            #expect(await setup.acknowledgements(of: command).count == 1, "one acknowledgement for \(command)")
        }
        // Why: the held line went out again (before the second result: one target's lines go
        // in order) with the same transaction id and login, and Synapse answered with the
        // first event.
        let resends = relay.sends.filter { $0.transactionID == held.transactionID && !$0.held }
        #expect(!resends.isEmpty, "the held line was sent again after the restart\n\(relay.requestLog)")
        #expect(resends.allSatisfy { $0.eventID == heldEvent && $0.accessToken == held.accessToken },
                "resent with the same login, answered with the first event: \(resends.map { $0.eventID ?? "-" })")
        #expect(try await store.matrixSession(account: "synapse")?.deviceID == device, "the same device after the restart: \(relay.sends.map { "\($0.transactionID) \($0.accessToken.suffix(6)) \($0.eventID ?? "-") \($0.held)" })")
        #expect(await crash.tasksCreated == 2, "no command was submitted again")
        await bot.terminate()
    }

    // MARK: Kill before the send reached the homeserver

    /// The result's image never reached Synapse when the bot died: nothing of the result is in
    /// the room; after the restart the image and the notice are posted, once each.
    @Test func killedBeforeASendReachedTheHomeserverTheResultIsPostedOnceAfterRestart() async throws {
        let (crash, _) = try await Crashable.make()
        defer { Task { await crash.cleanUp() } }
        let (setup, relay, bot) = (crash.setup, crash.relay, crash.bot)
        relay.hold(.beforeTheHomeserver) { txnID, msgtype in txnID.hasPrefix("mjb1.") && msgtype == "m.image" }
        try bot.start()
        try await setup.waitForTheBotToJoin(log: bot)

        let command = try await setup.say("!imagine a fox never sent")
        try await setup.waitForAcknowledgement(of: command, log: bot)
        try await pollUntil("the result image held at the relay", timeout: .seconds(120), log: bot, context: { relay.requestLog }) { relay.heldTransactionID != nil }
        #expect(await bot.kill() == 128 + SIGKILL)
        relay.release()
        let held = try #require(relay.heldTransactionID)
        #expect(relay.sends.filter { $0.transactionID == held }.count == 1,
                "the held send was still in flight when the bot was killed\n\(relay.requestLog)")
        #expect(await setup.images(replyingTo: command).isEmpty, "the image never reached the homeserver")
        #expect(await setup.results(replyingTo: command).isEmpty, "nor its notice")

        try bot.start()
        try await pollUntil("the result after the restart", timeout: .seconds(120), log: bot, context: { relay.requestLog }) {
            await setup.results(replyingTo: command).count >= 1
        }
        try await setup.waitForAnswer(to: try await setup.say("!ping"), log: bot)
        #expect(relay.sends.contains { $0.transactionID == held && !$0.held && $0.eventID != nil },
                "the same transaction id went out after the restart")
        #expect(await setup.images(replyingTo: command).count == 1, "one image\n\(bot.logTail)")
        #expect(await setup.results(replyingTo: command).count == 1, "one result notice")
        #expect(await setup.acknowledgements(of: command).count == 1, "one acknowledgement")
        #expect(await crash.tasksCreated == 1, "the command was not submitted again")
        await bot.terminate()
    }

    // MARK: No backlog replay, nothing lost while down

    /// Commands sent before the bot's very first start are history: not run, in a room it was
    /// already in and in one it joins from its config. A command sent while it was down (after
    /// it had synced once) is answered after the restart — once, also across a further kill.
    @Test func theBacklogBeforeTheFirstStartIsSkippedACommandSentWhileDownIsAnsweredOnce() async throws {
        let (crash, rooms) = try await Crashable.make(extraRooms: 1)
        defer { Task { await crash.cleanUp() } }
        let (setup, bot, relay) = (crash.setup, crash.bot, crash.relay)
        let memberRoom = try #require(rooms.first)
        // The bot's account is in this room before the bot first runs (joined by hand).
        let botAccount = MatrixClient(homeserver: setup.synapse.url, accessToken: setup.synapse.bot.accessToken)
        _ = try await botAccount.join(memberRoom)
        let old = [try await setup.say("!imagine an old fox"), try await setup.say("!ping")]
        let olderInMemberRoom = [try await setup.say("!imagine an older fox", in: memberRoom), try await setup.say("!ping", in: memberRoom)]

        try bot.start()
        try await setup.waitForTheBotToJoin(log: bot)
        try await setup.waitForAnswer(to: try await setup.say("!ping"), log: bot)
        try await setup.waitForAnswer(to: try await setup.say("!ping", in: memberRoom), in: memberRoom, log: bot)
        for command in old { #expect(await setup.replies(to: command).isEmpty, "history is not run: \(command)") }
        for command in olderInMemberRoom {
            #expect(await setup.replies(to: command, in: memberRoom).isEmpty, "history is not run: \(command)")
        }
        #expect(await crash.tasksCreated == 0)

        #expect(await bot.kill() == 128 + SIGKILL)
        let whileDown = try await setup.say("!imagine a fox while the bot is down")
        try bot.start()
        try await pollUntil("the result of the command sent while the bot was down", timeout: .seconds(120), log: bot, context: { relay.requestLog }) {
            await !setup.results(replyingTo: whileDown).isEmpty
        }
        try await setup.waitForAnswer(to: try await setup.say("!ping"), log: bot)
        // Once more: killed and started again, the command is not run a second time.
        #expect(await bot.kill() == 128 + SIGKILL)
        try bot.start()
        try await setup.waitForAnswer(to: try await setup.say("!ping"), log: bot)

        #expect(await setup.acknowledgements(of: whileDown).count == 1, "one acknowledgement\n\(bot.logTail)")
        #expect(await setup.results(replyingTo: whileDown).count == 1, "one result notice")
        #expect(await setup.images(replyingTo: whileDown).count == 1, "one image")
        #expect(await crash.tasksCreated == 1, "only the command sent while down was submitted, once")
        for command in old { #expect(await setup.replies(to: command).isEmpty, "history is still not run: \(command)") }
        await bot.terminate()
    }
}
