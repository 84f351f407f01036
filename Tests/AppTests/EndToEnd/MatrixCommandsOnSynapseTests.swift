import App
import Bridge
import Foundation
import Matrix
import MatrixTestSupport
import Synchronization
import Testing

/// The commands beyond `!imagine`, typed in a Matrix room on a real Synapse, with the simulator
/// as the proxy: a button on a result by its ref, describe → pick, and an admin command that
/// the configured owner (by Matrix user id) may use and an ordinary user may not.
@Suite(.serialized, .synapse, .disabled(if: Synapse.skipRequested, Synapse.skipReason))
struct MatrixCommandsOnSynapseTests {
    typealias Setup = MatrixBotOnSynapseTests.Setup

    @Test func upscaleDescribeAndPickWorkInARoom() async throws {
        let setup = try await Setup.make()
        defer { Task { await setup.cleanUp() } }
        let bot = try await setup.start()

        let grid = try await setup.submission(try await setup.say("!imagine a red fox"))
        #expect(grid.result.contains("✅") && grid.result.contains("next: !u1–4"), "\(grid.result)")
        let gridLink = try #require(CommandsOnTestnetTests.link(in: grid.result), "\(grid.result)")

        // A button on that result by its ref: its own acknowledgement, result and image.
        let upscaleCommand = try await setup.say("!u2 \(grid.ref)")
        let upscale = try await setup.submission(upscaleCommand)
        #expect(upscale.ref != grid.ref)
        #expect(upscale.result.contains("✅") && upscale.result.contains("http"), "\(upscale.result)")
        try await pollUntil("the upscale's image") { await setup.images(replyingTo: upscaleCommand).count == 1 }

        // describe a link → four prompts; pick the second.
        let described = try await setup.submission(try await setup.say("!describe \(gridLink)"))
        #expect(described.result.contains("4 prompts"), "\(described.result)")
        let picked = try await setup.submission(try await setup.say("!pick 2 \(described.ref)"))
        #expect(picked.result.contains("✅") && picked.result.contains("http"), "pick: \(picked.result)")
        await bot.stop()
    }

    /// `!pause`/`!resume` are for admins: the configured owner's user id is one, the user is not.
    @Test func anOwnerPausesAndResumesTheRoomAnOrdinaryUserCannot() async throws {
        let setup = try await Setup.make()
        defer { Task { await setup.cleanUp() } }
        let bot = try await setup.start()
        let owner = MatrixClient(homeserver: setup.synapse.url, accessToken: setup.synapse.owner.accessToken)
        _ = try await owner.join(setup.roomID)
        func ownerSays(_ text: String) async throws -> String {
            try await owner.send(roomID: setup.roomID, transactionID: UUID().uuidString,
                                 content: ["msgtype": "m.text", "body": .string(text)])
        }

        let refused = try await setup.answer(to: try await setup.say("!pause"))
        #expect(refused.contains("is for the bot's admins"), "\(refused)")
        #expect(try await bot.runtime.store.pauseSettings().isEmpty)

        let paused = try await setup.answer(to: try await ownerSays("!pause back after the break"))
        #expect(paused.contains("New jobs are paused"), "\(paused)")
        let tasksBefore = await setup.simulator.controls.stats().tasksCreated
        let turnedAway = try await setup.answer(to: try await setup.say("!imagine a fox in the pause"))
        #expect(turnedAway.contains("back after the break") && !turnedAway.contains("— ref "), "\(turnedAway)")
        #expect(await setup.simulator.controls.stats().tasksCreated == tasksBefore)

        let stillPaused = try await setup.answer(to: try await setup.say("!resume"))
        #expect(stillPaused.contains("is for the bot's admins"), "\(stillPaused)")
        let resumed = try await setup.answer(to: try await ownerSays("!resume"))
        #expect(resumed.contains("welcome again"), "\(resumed)")
        let accepted = try await setup.answer(to: try await setup.say("!imagine a fox after the pause"))
        #expect(accepted.contains("— ref "), "\(accepted)")

        let audit = try await bot.runtime.store.recentAudit(limit: 20).filter { $0.command == "pause" || $0.command == "resume" }
        #expect(audit.contains { $0.account == setup.synapse.owner.userID && $0.command == "pause" && $0.outcome == "ok" })
        #expect(audit.contains { $0.account == setup.synapse.user.userID && $0.outcome.hasPrefix("refused") })
        await bot.stop()
    }
}

/// The bot's last messages as the newest poll saw them (for failure messages).
private let lastSeen = Mutex("")

extension MatrixBotOnSynapseTests.Setup {
    /// The first notice replying to `command`.
    func answer(to command: String) async throws -> String {
        var body = ""
        try await pollUntil("the answer to \(command)") {
            guard let first = await replies(to: command).first(where: { $0.msgtype == "m.notice" }) else { return false }
            body = first.messageBody
            return true
        }
        return body
    }

    /// A submission's acknowledgement (its ref) and then its result notice.
    func submission(_ command: String) async throws -> (ref: String, result: String) {
        let ack = try await answer(to: command)
        let ref = try #require(BotOnTestnetTests.reference(in: ack), "no ref in the answer: \(ack)")
        #expect(ack.contains("— ref \(ref)"), "\(ack)")
        var result = ""
        let said = { [self] in
            // What the bot said so far (read synchronously from the last poll).
            "the bot said: " + lastSeen.withLock { $0 }
        }
        try await pollUntil("the result of ref \(ref)", timeout: .seconds(120), context: said) {
            lastSeen.withLock { $0 = "" }
            let all = ((try? await botMessages()) ?? []).map { "\($0.msgtype ?? "-"): \($0.messageBody)" }
            lastSeen.withLock { $0 = all.suffix(12).joined(separator: "\n") }
            guard let found = await results(replyingTo: command).first else { return false }
            result = found.messageBody
            return true
        }
        #expect(result.contains("ref \(ref)"), "the result names the ref: \(result)")
        return (ref, result)
    }
}
