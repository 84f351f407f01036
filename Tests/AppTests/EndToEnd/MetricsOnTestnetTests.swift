import App
import AsyncHTTPClient
import Bridge
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import Testing
import TestnetSupport

/// `/metrics` and `/health` after a scripted session on the real network, scraped over real
/// HTTP from their own listener (`[http] metrics_listen`): the values must match what the
/// session did, and the callback listener must not serve them.
@Suite(.serialized, .enabled(if: !Testnet.skipRequested, Testnet.skipReason), .testnet)
struct MetricsOnTestnetTests {
    /// The bridge's clock, moved forward by the test to run past the poll-failure threshold.
    final class ShiftedClock: Sendable {
        private let offset = Mutex<TimeInterval>(0)
        func advance(by seconds: TimeInterval) { offset.withLock { $0 += seconds } }
        var clock: BridgeClock {
            BridgeClock(now: { [self] in Date().addingTimeInterval(offset.withLock { $0 }) },
                        sleep: { try await Task.sleep(for: $0) })
        }
    }

    static func get(_ port: Int, _ path: String, method: HTTPMethod = .GET) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        if method == .POST { request.body = .bytes(ByteBuffer(string: "{\"id\":\"1\"}")) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = String(buffer: try await response.body.collect(upTo: 1 << 22))
        return (Int(response.status.code), body)
    }

    /// Polls `/health` until `predicate` holds (60 s at most, then fails).
    static func health(_ port: Int, until what: String,
                       _ predicate: (Int, String) -> Bool) async throws -> (status: Int, body: String) {
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            let answer = try await get(port, "/health")
            if predicate(answer.status, answer.body) { return answer }
            try #require(ContinuousClock.now < deadline, "\(what): last /health was \(answer.status) \(answer.body)")
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    @Test func metricsCountTheSessionAndHealthFollowsThePolls() async throws {
        let net = try Testnet.require()
        let harness = try await BotHarness.make(net)
        let metricsPort = try await freePort()
        let text = harness.configText(pollSeconds: 1)
            .replacingOccurrences(of: "[http]\n", with: "[http]\nmetrics_listen = \"127.0.0.1:\(metricsPort)\"\n")
        let user = try await harness.user()
        let shifted = ShiftedClock()
        let bot = try await harness.startInProcess(text, clock: shifted.clock)
        do {
            _ = try await user.expect("the bot joining") { $0.command == "JOIN" && $0.source?.nick == harness.nick }
            func say(_ line: String) async { await user.send("PRIVMSG \(harness.channel) :\(line)") }

            // Chatter (no task is spent on it, but it is heard and counted), 2 imagines (one
            // fails at the proxy), a usage error, a ping.
            await say("hello everyone, just chatting")
            await say("imagine that, no prefix")
            await say("!imagine a counted metrics fox")
            _ = try await user.said(by: harness.nick, "the result") { $0.contains("✅") && $0.contains("counted metrics fox") }
            await harness.simulator.controls.failNextTasks(1, reason: "no foxes today")
            await say("!imagine a doomed metrics fox")
            _ = try await user.said(by: harness.nick, "the failure") { $0.contains("❌") && $0.contains("doomed metrics fox") }
            await say("!imagine")
            _ = try await user.said(by: harness.nick, "the usage line") { $0.contains("Usage:") }
            await say("!ping")
            _ = try await user.said(by: harness.nick, "pong") { $0.contains("pong") }
            await bot.runtime.bridge.callbacksSettled()

            // A command is counted when its handler returns, just after its answer went out, and
            // commands run side by side: wait (bounded) until the last two are counted.
            let scrape = try await eventually("the usage error and the ping counted") { () -> PrometheusScrape? in
                let scrape = PrometheusScrape(try await Self.get(metricsPort, "/metrics").body)
                let usage = scrape.value("mjbridge_commands_total", ["command": "imagine", "outcome": "usage"])
                let ping = scrape.value("mjbridge_commands_total", ["command": "ping", "outcome": "ok"])
                return usage != nil && ping != nil ? scrape : nil
            }
            #expect(scrape.value("mjbridge_jobs_total", ["outcome": "submitted"]) == 2, "\(scrape)")
            #expect(scrape.value("mjbridge_jobs_total", ["outcome": "succeeded"]) == 1, "\(scrape)")
            #expect(scrape.value("mjbridge_jobs_total", ["outcome": "failed"]) == 1, "\(scrape)")
            #expect(scrape.value("mjbridge_jobs_total", ["outcome": "timed_out"]) == 0, "\(scrape)")
            #expect(scrape.value("mjbridge_job_duration_seconds_count", ["outcome": "succeeded"]) == 1, "\(scrape)")
            #expect(scrape.value("mjbridge_job_duration_seconds_count", ["outcome": "failed"]) == 1, "\(scrape)")
            // Every observation is at most the +Inf bucket, and the quick simulator finishes in
            // well under the 15 min bucket.
            #expect(scrape.value("mjbridge_job_duration_seconds_bucket", ["outcome": "succeeded", "le": "900.0"]) == 1, "\(scrape)")
            #expect(scrape.value("mjbridge_commands_total", ["command": "imagine", "outcome": "ok"]) == 2, "\(scrape)")
            #expect(scrape.value("mjbridge_commands_total", ["command": "imagine", "outcome": "usage"]) == 1, "\(scrape)")
            #expect(scrape.value("mjbridge_commands_total", ["command": "ping", "outcome": "ok"]) == 1, "\(scrape)")
            #expect(scrape.value("mjbridge_proxy_requests_total", ["endpoint": "imagine", "outcome": "ok"]) == 2, "\(scrape)")
            #expect(scrape.value("mjbridge_proxy_request_duration_seconds_count", ["endpoint": "imagine"]) == 2, "\(scrape)")
            // Callbacks are hints: the bot asks the proxy about each in a list request.
            #expect(scrape.value("mjbridge_proxy_requests_total", ["endpoint": "list", "outcome": "ok"]) ?? 0 >= 1, "\(scrape)")
            #expect(scrape.value("mjbridge_callbacks_total", ["outcome": "known"]) ?? 0 >= 1, "\(scrape)")
            #expect(scrape.value("mjbridge_callbacks_total", ["outcome": "forged_state"]) == 0, "\(scrape)")
            #expect(scrape.value("mjbridge_irc_connected", ["network": "testnet"]) == 1, "\(scrape)")
            #expect(scrape.value("mjbridge_irc_reconnects_total", ["network": "testnet"]) == nil, "\(scrape)")
            // 2 acknowledgements, 2 results, a usage line, a pong.
            #expect(scrape.value("mjbridge_irc_lines_total", ["network": "testnet", "result": "sent"]) ?? 0 >= 6, "\(scrape)")
            #expect(scrape.value("mjbridge_pending_tasks") == 0, "\(scrape)")
            #expect(scrape.value("mjbridge_chat_messages_total", ["network": "testnet"]) == 6, "\(scrape)")
            #expect(scrape.value("mjbridge_irc_chat_dropped_total", ["network": "testnet"]) == nil, "\(scrape)")
            let userNick = await user.nick
            #expect(!scrape.text.contains(harness.channel) && !scrape.text.contains(userNick)
                    && !scrape.text.contains("metrics fox"), "no nick, channel or prompt in a label: \(scrape)")

            // The callback listener serves neither; the metrics listener not the callback.
            #expect(try await Self.get(harness.httpPort, "/metrics").status == 404)
            #expect(try await Self.get(harness.httpPort, "/health").status == 404)
            #expect(try await Self.get(metricsPort, "/callback/anything", method: .POST).status == 404)

            // Healthy: registered, and no poll has failed.
            let healthy = try await Self.get(metricsPort, "/health")
            #expect(healthy.status == 200, "\(healthy.body)")
            #expect(healthy.body.contains("\"testnet\":\"registered\""), "\(healthy.body)")

            // A task left pending, then the proxy goes away: polls fail, but not yet for long.
            await harness.simulator.controls.stick(atPercent: 50)
            await say("!imagine a fox that waits out the outage")
            _ = try await user.said(by: harness.nick, "the acknowledgement") { $0.contains("waits out the outage") && $0.contains("ref ") }
            await harness.simulator.controls.setOutage(true)
            let failing = try await Self.health(metricsPort, until: "a failed poll shows") { _, body in
                body.contains("\"reached_proxy\":false")
            }
            #expect(failing.status == 200, "one failed poll is not an outage yet: \(failing.body)")
            // Past the threshold (max(3 × 1 s, 60 s)): 503 with the reason.
            shifted.advance(by: 120)
            let down = try await Self.health(metricsPort, until: "503 after the threshold") { status, _ in status == 503 }
            #expect(down.body.contains("polls have not reached the proxy"), "\(down.body)")
            #expect(down.body.contains("\"status\":\"unhealthy\""), "\(down.body)")
            let outage = PrometheusScrape(try await Self.get(metricsPort, "/metrics").body)
            #expect(outage.sum("mjbridge_proxy_requests_total", where: ["endpoint": "list", "outcome": "http_5xx"])
                    + outage.sum("mjbridge_proxy_requests_total", where: ["endpoint": "list", "outcome": "unreachable"]) >= 1, "\(outage)")
            #expect(outage.value("mjbridge_pending_tasks") == 1, "\(outage)")
            #expect(outage.value("mjbridge_last_poll_ok") == 0, "\(outage)")
            // The proxy is back: the next poll reaches it, and health recovers.
            await harness.simulator.controls.setOutage(false)
            let back = try await Self.health(metricsPort, until: "200 after the outage") { status, body in
                status == 200 && body.contains("\"reached_proxy\":true")
            }
            #expect(!back.body.contains("failing_for_seconds"), "\(back.body)")
        } catch {
            await bot.stop()
            await user.quit()
            await harness.cleanUp()
            throw error
        }
        await bot.stop()
        await user.quit()
        await harness.cleanUp()
    }
}
