import App
import Foundation
import MidjourneySimulator
import Store
import Testing
import TestnetSupport

/// Intent before submit with the real bot process on the real test network (InspIRCd +
/// Atheme), polling only: the process is SIGKILLed right after the proxy took a job — the
/// simulator holds the answer back, so the bot has certainly not heard it — and after a
/// restart the user in the channel is told the job's result. Never silence.
@Suite(.serialized, .enabled(if: !Testnet.skipRequested, Testnet.skipReason), .testnet)
struct IntentOnTestnetTests {
    @Test func killedRightAfterTheProxyAcceptedAJobTheUserGetsItsResultAfterRestart() async throws {
        let net = try Testnet.require()
        // trueai lists its newest 100 tasks: the restarted bot finds the job there by its state.
        let harness = try await BotHarness.make(net, flavor: .trueai)
        defer { Task { await harness.cleanUp() } }
        let user = try await harness.user()
        let me = await user.nick
        let config = try harness.writeConfig(harness.configText(callbacks: false, pollSeconds: 1))
        let log = harness.directory.appendingPathComponent("bot.log").path

        await harness.simulator.controls.loseSubmitAnswers(1, heldFor: .seconds(3600))
        var bot = try ChildProcess(ChildProcess.mjbridgeExecutable, ["run", "-c", config], logPath: log)
        _ = try await user.expect("the bot joining") { $0.command == "JOIN" && $0.source?.nick == harness.nick }
        await user.send("PRIVMSG \(harness.channel) :!imagine a fox nobody heard of")
        let deadline = ContinuousClock.now.advanced(by: .seconds(60))
        while await harness.simulator.controls.stats().submitAnswersLost < 1 {
            guard ContinuousClock.now < deadline else {
                bot.signal(SIGKILL)
                _ = await bot.wait()
                Issue.record("the submit never reached the simulator\nbot log:\n\(bot.log.suffix(3000))")
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        bot.signal(SIGKILL)
        #expect(await bot.wait() == 128 + SIGKILL)
        _ = try await user.expect("the bot's connection dropping") { $0.command == "QUIT" && $0.source?.nick == harness.nick }
        #expect(await harness.simulator.controls.stats().tasksCreated == 1, "the proxy has the job")

        // The dead bot recorded the intent, not the task.
        let database = harness.directory.appendingPathComponent("bot.sqlite").path
        do {
            let store = try SQLiteStore.open(path: database)
            #expect(try await store.pendingTasks().isEmpty)
            let open = try await store.openIntents(createdUpTo: .distantFuture)
            #expect(open.count == 1 && open.first?.prompt == "a fox nobody heard of", "\(open)")
        }

        bot = try ChildProcess(ChildProcess.mjbridgeExecutable, ["run", "-c", config], logPath: log)
        _ = try await user.expect("the bot rejoining") { $0.command == "JOIN" && $0.source?.nick == harness.nick }
        let done = try await user.said(by: harness.nick, "the result of the job the dead bot never heard back about") {
            $0.contains("✅") || $0.contains("lost track")
        }
        #expect(done.hasPrefix("\(me): ") && done.contains("✅") && done.contains("a fox nobody heard of"),
                "\(done)\nbot log:\n\(bot.log.suffix(3000))")
        let store = try SQLiteStore.open(path: database)
        #expect(try await store.openIntents(createdUpTo: .distantFuture).isEmpty)

        bot.signal(SIGTERM)
        #expect(await bot.wait() == 0, "clean exit on SIGTERM\n\(bot.log.suffix(3000))")
        await user.quit()
    }
}
