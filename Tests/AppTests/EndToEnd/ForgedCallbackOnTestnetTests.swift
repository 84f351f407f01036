import App
import AsyncHTTPClient
import Bridge
import Foundation
import MidjourneyAPI
import MidjourneySimulator
import NIOCore
import Store
import Testing
import TestnetSupport

/// The whole bot (in process) on the real InspIRCd + Atheme network with the simulator over
/// loopback HTTP; the test plays the proxy's operator, who knows the callback URL and posts
/// forged callbacks to the bot's real HTTP server. A user in the channel reads what arrives.
@Suite(.serialized, .enabled(if: !Testnet.skipRequested, Testnet.skipReason), .testnet)
struct ForgedCallbackOnTestnetTests {
    static func post(_ url: String, _ object: [String: Any]) async throws -> Int {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: object)))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        return Int(response.status.code)
    }

    @Test func forgedCallbacksReachNobodyAndASignedOrphanArrivesOnce() async throws {
        let net = try Testnet.require()
        let harness = try await BotHarness.make(net)
        let user = try await harness.user()
        let bot = try await harness.startInProcess(harness.configText())
        do {
            _ = try await user.expect("the bot joining") { $0.command == "JOIN" && $0.source?.nick == harness.nick }
            let hook = try #require(bot.runtime.notifyHook)
            let secret = try #require(hook.split(separator: "/").last.map(String.init))
            let me = await user.nick

            // A real task, held at 50 %; the operator forges its SUCCESS with an evil link.
            await harness.simulator.controls.stick(atPercent: 50)
            await user.send("PRIVMSG \(harness.channel) :!imagine a watched fox")
            _ = try await user.said(by: harness.nick, "ack") { $0.contains("a watched fox") && $0.contains("ref ") }
            let id = try #require(try await bot.runtime.store.pendingTasks().first?.id)
            #expect(try await Self.post(hook, ["id": id, "status": "SUCCESS", "progress": "100%",
                                               "imageUrl": "http://evil.example/forged.png"]) == 200)

            // The crash between accept and insert: a task on the proxy with a state signed with
            // the key the bot derives from its callback secret, unknown to its store. Its first
            // callbacks are lost, so the forged ones below meet an id the bot does not know.
            await harness.simulator.controls.dropCallbacks(fraction: 1)
            let proxy = try MidjourneyClient(configuration: MidjourneyConfiguration(baseURL: harness.simulator.apiBaseURL,
                                                                                    apiKey: harness.apiKey),
                                             httpClient: MidjourneyClient.sharedHTTPClient)
            let route = TaskRoute(network: "testnet", channel: harness.channel, nick: me)
            let state = try #require(SignedRouteState(route: route).encoded(with: RouteStateKey(callbackSecret: secret)))
            let orphan = try #require(try await proxy.imagine(ImagineRequest(prompt: "an orphan fox", state: state, notifyHook: hook)).taskId)
            // The same id with a tampered state, and an unsigned one naming the channel.
            let tampered = state.replacingOccurrences(of: me, with: "mallory")
            for forged in [tampered, "mjb1 testnet \(harness.channel) mallory"] {
                #expect(try await Self.post(hook, ["id": orphan, "status": "SUCCESS", "state": forged,
                                                   "imageUrl": "http://evil.example/forged.png"]) == 200)
            }

            #expect(try await bot.runtime.store.task(id: orphan) == nil)
            await harness.simulator.controls.dropCallbacks(fraction: 0)
            await harness.simulator.controls.stick(atPercent: nil)
            var results: [String] = []
            while results.count < 2 {
                results.append(try await user.said(by: harness.nick, "result \(results.count + 1) of 2") { $0.contains("✅") })
            }
            #expect(results.filter { $0.contains("a watched fox") }.count == 1, "\(results)")
            #expect(results.filter { $0.contains("an orphan fox") && $0.hasPrefix("\(me):") }.count == 1, "\(results)")
            // A few callback windows and poll cycles later: nothing doubled, nothing forged.
            try await Task.sleep(for: .seconds(3))
            await user.send("PRIVMSG \(harness.channel) :!ping")
            _ = try await user.said(by: harness.nick, "pong") { $0.lowercased().contains("pong") }
            let lines = await user.lines()
            #expect(lines.filter { $0.contains("✅") }.count == 2, "\(lines)")
            #expect(!lines.contains { $0.contains("evil.example") || $0.contains("mallory") }, "\(lines)")
            let metrics = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(harness.httpPort)/metrics"),
                                                              timeout: .seconds(30))
            let text = String(buffer: try await metrics.body.collect(upTo: 1 << 20))
            #expect(text.contains("mjbridge_callbacks_total{outcome=\"forged_state\"} 2"), "\(text)")
            #expect(PrometheusScrape(text).value("mjbridge_callbacks_total", ["outcome": "adopted"]) ?? 0 >= 1, "\(text)")
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
