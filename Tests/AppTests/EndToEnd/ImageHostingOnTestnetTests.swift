import App
import AsyncHTTPClient
import Bridge
import Foundation
import MidjourneySimulator
import Store
import Synchronization
import Testing
import TestnetSupport

/// Issue 7's "done when" for image hosting with the REAL host (`HostedResultImages`: blob store
/// on disk, catalog in SQLite, `/i/` on the bot's own HTTP listener, background retries), the
/// whole `BotRuntime` on the real network (InspIRCd + Atheme over TLS) and the simulator's
/// signed, expiring links: the short links a user reads in the result line serve the proxy's
/// bytes after the proxy's links expired and after a restart; a grid with four singles gets
/// five links, an upscale one, a describe none; a mirror that fails (the proxy's image host
/// down) posts the proxy's links once, and `!status` gives the short link once the host's
/// background retry stored it.
@Suite(.serialized, .timeLimit(.minutes(10)), .enabled(if: !Testnet.skipRequested, Testnet.skipReason), .testnet)
struct ImageHostingOnTestnetTests {
    /// The bot's config with hosting on: links under its own loopback listener.
    static func config(_ harness: BotHarness) -> String {
        harness.configText().replacingOccurrences(
            of: "[images]\n", with: "[images]\npublic_base_url = \"http://127.0.0.1:\(harness.httpPort)\"\n")
    }

    /// The bot's links in a line: after `→ `, or after a `N<no-break space>` label.
    static func links(in line: String) -> [String] {
        line.split(whereSeparator: { $0 == " " || $0 == "\u{00A0}" }).map(String.init).filter { $0.hasPrefix("http") }
    }

    static func get(_ url: String) async throws -> (status: UInt, type: String?, body: [UInt8]) {
        let response = try await HTTPClient.shared.get(url: url).get()
        return (response.status.code, response.headers.first(name: "content-type"),
                response.body.map { Array($0.readableBytesView) } ?? [])
    }

    @Test func shortLinksOutliveTheProxysAndARestart() async throws {
        let net = try Testnet.require(.inspircd)
        let harness = try await BotHarness.make(net)
        let user = try await harness.user()
        // The bridge's clock runs `ahead` of real time: the owed mirror's retry is made due
        // without waiting out its 30 s backoff (the bot's image service still ticks in real time).
        let ahead = Mutex<TimeInterval>(0)
        let clock = BridgeClock(now: { Date().addingTimeInterval(ahead.withLock { $0 }) }, sleep: { try await Task.sleep(for: $0) })
        let text = Self.config(harness)
        var bot = try await harness.startInProcess(text, clock: clock)
        do {
            let me = await user.nick
            let chat = CommandsOnTestnetTests.Conversation(harness: harness, user: user, me: me)
            let base = "http://127.0.0.1:\(harness.httpPort)/i/"
            _ = try await user.expect("the bot joining \(harness.channel)") { $0.command == "JOIN" && $0.source?.nick == harness.nick }

            // A grid with four singles: five short links in the result line, each served.
            let fox = try await chat.submit("!imagine a red fox")
            let links = Self.links(in: fox.result)
            #expect(links.count == 5, "\(fox.result)")
            #expect(links.allSatisfy { $0.hasPrefix(base) }, "\(fox.result)")
            #expect(links.dropFirst().enumerated().allSatisfy { $0.element.hasSuffix("-\($0.offset + 1).png") }, "\(fox.result)")
            var served: [String: [UInt8]] = [:]
            for link in links {
                let answer = try await Self.get(link)
                #expect(answer.status == 200 && answer.type == "image/png", "\(link): \(answer.status)")
                served[link] = answer.body
            }
            // The same bytes the proxy serves (read while its link is valid).
            let task = try #require(try await bot.runtime.store.tasks(
                of: TaskRoute(network: "testnet", channel: harness.channel, nick: me), limit: 20).first { $0.id.hasSuffix(fox.ref) })
            let proxyGrid = try #require(task.imageUrl)
            #expect(try await Self.get(proxyGrid).body == served[links[0]])

            // The proxy's links expire; the short ones still serve the same bytes.
            await harness.simulator.controls.expireImageLinksNow()
            #expect(try await Self.get(proxyGrid).status == 403)
            for link in links { #expect(try await Self.get(link).body == served[link], "\(link) after expiry") }

            // An upscale: its one link; a describe: none.
            let upscale = try await chat.submit("!u2 \(fox.ref)")
            #expect(upscale.result.contains("✅"), "\(upscale.result)")
            let upLinks = Self.links(in: upscale.result)
            #expect(upLinks.count == 1 && upLinks.allSatisfy { $0.hasPrefix(base) }, "\(upscale.result)")
            let described = try await chat.submit("!describe \(fox.ref)")
            #expect(described.result.contains("prompts for your image"), "\(described.result)")
            #expect(Self.links(in: described.result).isEmpty, "\(described.result)")

            // A restart: the same links, the same bytes; `!status` gives the short links.
            await bot.stop()
            _ = try await user.expect("the bot quitting") { $0.command == "QUIT" && $0.source?.nick == harness.nick }
            bot = try await harness.startInProcess(text, clock: clock)
            _ = try await user.expect("the bot rejoining") { $0.command == "JOIN" && $0.source?.nick == harness.nick }
            for link in links { #expect(try await Self.get(link).body == served[link], "\(link) after the restart") }
            let status = try await chat.ask("!status \(fox.ref)", "status of \(fox.ref)") { $0.hasPrefix("ref \(fox.ref) ") }
            #expect(Self.links(in: status) == links, "\(status)")

            // The proxy's image host is down when a result arrives: its links are posted, once.
            await harness.simulator.controls.setImageHostDown(true)
            let storm = try await chat.submit("!imagine a storm at sea")
            #expect(storm.result.contains("✅"), "\(storm.result)")
            #expect(storm.result.contains("→ \(harness.simulator.baseURL)/attachments/"), "\(storm.result)")
            #expect(!storm.result.contains(base), "\(storm.result)")
            let early = try await chat.ask("!status \(storm.ref)", "status of \(storm.ref) before the retry") { $0.hasPrefix("ref \(storm.ref) ") }
            #expect(early.contains("→ \(harness.simulator.baseURL)/attachments/"), "\(early)")
            // Back up; the retry is due (its backoff passed on the bridge's clock): the host
            // mirrors it in the background and `!status` then gives the short link.
            await harness.simulator.controls.setImageHostDown(false)
            ahead.withLock { $0 = 5 * 60 }
            var later = ""
            let deadline = ContinuousClock.now + .seconds(120)
            while !later.contains("→ \(base)"), ContinuousClock.now < deadline {
                try await Task.sleep(for: .seconds(3))
                later = try await chat.ask("!status \(storm.ref)", "status of \(storm.ref)") { $0.hasPrefix("ref \(storm.ref) ") }
            }
            #expect(later.contains("✅ → \(base)"), "\(later)")
            let stormLinks = Self.links(in: later)
            #expect(stormLinks.count == 5, "\(later)")
            for link in stormLinks { #expect(try await Self.get(link).status == 200, "\(link)") }
            // The result line itself went out once.
            let resultLines = await user.lines().filter { $0.contains("PRIVMSG \(harness.channel) :\(me): ✅") && $0.contains("ref \(storm.ref)") }
            #expect(resultLines.count == 1, "\(resultLines)")
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
