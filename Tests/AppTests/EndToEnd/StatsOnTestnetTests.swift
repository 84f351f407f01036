import App
import Foundation
import Store
import Testing
import TestnetSupport

/// `!stats` after a scripted session on the real network: the numbers are checked against
/// what the session did and what the store recorded, and a server restart counts as a reconnect.
@Suite(.serialized, .enabled(if: !Testnet.skipRequested, Testnet.skipReason), .testnet)
struct StatsOnTestnetTests {
    @Test func statsCountsTheSession() async throws {
        let net = try Testnet.require()
        let harness = try await BotHarness.make(net)
        let owner = try await ReloadOnTestnetTests.peer(harness, account: net.ownerAccount, password: net.ownerPassword,
                                                        prefix: "own", channels: [harness.channel])
        var watcher: TestPeer?
        let bot = try await harness.startInProcess(AdminOnTestnetTests.ownerConfig(harness))
        do {
            _ = try await owner.expect("the bot joining") { $0.command == "JOIN" && $0.source?.nick == harness.nick }
            let me = await owner.nick
            func say(_ text: String) async { await owner.send("PRIVMSG \(harness.channel) :\(text)") }

            await say("!imagine a first stats fox")
            _ = try await owner.said(by: harness.nick, "result 1") { $0.contains("✅") && $0.contains("first stats fox") }
            await say("!imagine a second stats fox")
            _ = try await owner.said(by: harness.nick, "result 2") { $0.contains("✅") && $0.contains("second stats fox") }
            await harness.simulator.controls.failNextTasks(1, reason: "no foxes today")
            await say("!imagine a doomed stats fox")
            _ = try await owner.said(by: harness.nick, "the failure") { $0.contains("❌") && $0.contains("doomed stats fox") }
            await harness.simulator.controls.stick(atPercent: 50)
            await say("!imagine a cancelled stats fox")
            _ = try await owner.said(by: harness.nick, "the acknowledgement") { $0.contains("cancelled stats fox") && $0.contains("ref ") }
            await say("!cancel")
            _ = try await owner.said(by: harness.nick, "the cancel") { $0.contains("🚫") }
            await say("!imagine a waiting stats fox")
            _ = try await owner.said(by: harness.nick, "the acknowledgement") { $0.contains("waiting stats fox") && $0.contains("ref ") }
            await harness.simulator.controls.setOutage(true)
            await say("!imagine a fox the proxy never hears of")
            _ = try await owner.said(by: harness.nick, "the proxy error") { $0.hasPrefix("\(me): ") && !$0.contains("ref ") }
            await harness.simulator.controls.setOutage(false)

            // The median from the store, computed here on its own: successes, submit to result.
            let tasks = try await bot.runtime.store.tasks(createdOrFinishedFrom: .distantPast, to: .distantFuture)
            let durations = tasks.filter { $0.status == "SUCCESS" }
                .compactMap { task in task.finishedAt.map { $0.timeIntervalSince(task.createdAt) } }.sorted()
            try #require(durations.count == 2, "\(tasks.map { ($0.prompt, $0.status) })")
            let median = Self.age(Int(((durations[0] + durations[1]) / 2).rounded()))

            await say("!stats")
            let stats = try await owner.said(by: harness.nick, "the stats") { $0.hasPrefix("\(me): Today (UTC): ") }
            let expected = "Today (UTC): 5 submitted, 2 succeeded, 1 failed, 1 cancelled, median \(median) to result; 1 pending now; "
            let body = String(stats.dropFirst("\(me): ".count))
            #expect(body.hasPrefix(expected), "\(body)")
            // The failed command, and any poll that met the outage, are proxy errors.
            let tail = try #require(body.firstMatch(of: #/(?:since the start at \d\d:\d\d UTC: )?(\d+) proxy errors?, 0 reconnects\.$/#), "\(body)")
            #expect(Int(tail.output.1).map { $0 >= 1 } == true, "\(body)")

            // The server restarts: the bot reconnects on its own and counts it.
            try await net.restartServer()
            let deadline = ContinuousClock.now.advanced(by: .seconds(120))
            let client = try #require(bot.runtime.transport.clients["testnet"])
            while true {
                let joined = await client.isJoined(harness.channel)
                if joined && bot.runtime.bridge.counters.snapshot.reconnects > 0 { break }
                try #require(ContinuousClock.now < deadline, "the bot did not come back after the server restart")
                try await Task.sleep(for: .milliseconds(100))
            }
            // Services link up again a little after the server: retry logging in until then.
            while watcher == nil {
                try #require(ContinuousClock.now < deadline, "could not log in again after the server restart")
                watcher = try? await ReloadOnTestnetTests.peer(harness, account: net.ownerAccount, password: net.ownerPassword,
                                                               prefix: "own", channels: [])
                if watcher == nil { try await Task.sleep(for: .seconds(1)) }
            }
            let back = try #require(watcher)
            await back.send("PRIVMSG \(harness.nick) :stats")
            let after = try await back.said(by: harness.nick, "stats in private") { $0.hasPrefix("Today (UTC): ") }
            #expect(after.hasPrefix(expected), "the day's numbers are the store's, unchanged by the restart: \(after)")
            #expect(after.hasSuffix(", 1 reconnect."), "\(after)")
        } catch {
            await bot.stop()
            await owner.quit()
            await watcher?.quit()
            await harness.cleanUp()
            throw error
        }
        await bot.stop()
        await owner.quit()
        await watcher?.quit()
        await harness.cleanUp()
    }

    /// `42 s`, `1 min`, `3 min 20 s`, as `!stats` writes a duration under an hour.
    static func age(_ seconds: Int) -> String {
        switch seconds {
        case ..<60: "\(seconds) s"
        default: seconds % 60 == 0 ? "\(seconds / 60) min" : "\(seconds / 60) min \(seconds % 60) s"
        }
    }
}
