import App
import Bridge
import Foundation
import Matrix
import MatrixTestSupport
import Testing
import TestnetSupport

/// One bot process with an IRC network (the testnet) and a Matrix account (Synapse): each
/// conversation is answered on its own transport, and a result goes back where it was asked.
@Suite(.serialized, .enabled(if: !Testnet.skipRequested, Testnet.skipReason),
       .disabled(if: Synapse.skipRequested, Synapse.skipReason), .testnet, .synapse)
struct IRCAndMatrixOnOneBotTests {
    @Test func eachConversationIsAnsweredOnItsOwnTransport() async throws {
        let net = try Testnet.require()
        let harness = try await BotHarness.make(net)
        defer { Task { await harness.cleanUp() } }
        let matrix = try await MatrixBotOnSynapseTests.Setup.make()
        defer { Task { await matrix.cleanUp() } }
        let text = harness.configText() + """


            [[matrix]]
            name = "synapse"
            homeserver = "\(matrix.synapse.url)"
            user_id = "\(matrix.synapse.bot.userID)"
            access_token = "\(matrix.synapse.bot.accessToken)"
            rooms = ["\(matrix.roomID)"]
            """
        let bot = try await harness.startInProcess(text)
        let account = try #require(bot.runtime.matrix.accounts["synapse"])
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            let running = await account.isRunning
            let inRoom = await account.isJoined(matrix.roomID)
            if running && inRoom { break }
            guard ContinuousClock.now < deadline else { Issue.record("the bot never synced in the room"); throw CancellationError() }
            try await Task.sleep(for: .milliseconds(200))
        }
        let user = try await harness.user()

        // Matrix: a job, its acknowledgement and result in the room, as replies to the command.
        let command = try await matrix.say("!imagine a fox on two networks")
        await user.send("PRIVMSG \(harness.channel) :!ping")
        _ = try await user.said(by: harness.nick, "pong on IRC") { $0.lowercased().contains("pong") }
        var notices: [MatrixJSON] = []
        while !notices.contains(where: { $0["content"]?["body"]?.stringValue?.contains("http") == true }) {
            guard ContinuousClock.now < deadline + .seconds(60) else { Issue.record("no result in the room"); throw CancellationError() }
            try await Task.sleep(for: .milliseconds(200))
            notices = (try? await matrix.botNotices()) ?? []
        }
        #expect(notices.allSatisfy { $0["content"]?["m.relates_to"]?["m.in_reply_to"]?["event_id"]?.stringValue == command })
        // Nothing of the Matrix job was said on IRC, and no pong went to the room.
        #expect(!(await user.lines()).contains { $0.contains("two networks") })
        #expect(!notices.contains { $0["content"]?["body"]?.stringValue?.lowercased().contains("pong") == true })
        await bot.stop()
    }
}
