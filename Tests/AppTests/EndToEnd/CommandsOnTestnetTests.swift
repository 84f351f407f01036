import App
import Foundation
import MidjourneySimulator
import Testing
import TestnetSupport

/// Every command family of the bridge, typed by a user on the real network, answered by the
/// bot over TLS, with the simulator behind it (images fetched by the bot from the simulator's
/// links, as it would fetch them from Discord's CDN).
@Suite(.serialized, .timeLimit(.minutes(10)), .enabled(if: !Testnet.skipRequested, Testnet.bothSkipReason), .testnets(.inspircd, .ngircd))
struct CommandsOnTestnetTests {
    /// A user talking to the bot in its channel.
    struct Conversation {
        let harness: BotHarness
        let user: TestPeer
        let me: String

        /// Says `text` in the channel and returns the bot's first answer that passes `predicate`.
        func ask(_ text: String, _ what: String, _ predicate: @escaping @Sendable (String) -> Bool) async throws -> String {
            await user.send("PRIVMSG \(harness.channel) :\(text)")
            let me = self.me
            let line = try await user.said(by: harness.nick, what) { $0.hasPrefix("\(me): ") && predicate(String($0.dropFirst(me.count + 2))) }
            return String(line.dropFirst(me.count + 2))
        }

        /// A submission: the acknowledgement's ref, then the result line for it.
        func submit(_ text: String) async throws -> (ref: String, result: String) {
            // The ack, or an error sentence in its place (which then fails below with its text);
            // not progress, result or describe lines of earlier tasks.
            let ack = try await ask(text, "first answer to \(text)") {
                $0.contains("— ref ") || !($0.contains("ref ") || $0.first?.isNumber == true)
            }
            let ref = try #require(BotOnTestnetTests.reference(in: ack), "no ref in \(ack)")
            let result = try await user.said(by: harness.nick, "result of \(text) (ref \(ref))") {
                ($0.contains("✅") || $0.contains("❌")) && $0.contains("ref \(ref)")
            }
            return (ref, result)
        }

        func progressLines(ref: String) async -> [String] {
            await user.lines().filter { $0.contains("⏳ ref \(ref) ") }
        }
    }

    static func link(in line: String) -> String? {
        guard let arrow = line.range(of: "→ ") else { return nil }
        return line[arrow.upperBound...].split(separator: " ").first.map(String.init)
    }

    @Test(arguments: TestnetServer.allCases)
    func everyCommandFamilyOverIRC(_ server: TestnetServer) async throws {
        try await BotOnTestnetTests().withBot(server, configure: { $0.configText(progress: "quarter") }) { harness, user in
        let me = await user.nick
        let chat = Conversation(harness: harness, user: user, me: me)

        // imagine, with progress "quarter" and its 20 s throttle: at most one progress line.
        let grid = try await chat.submit("!imagine a quiet lake at dawn")
        #expect(grid.result.contains("✅"), "\(grid.result)")
        let gridLink = try #require(Self.link(in: grid.result))
        let progress = await chat.progressLines(ref: grid.ref)
        #expect(progress.count <= 1, "throttled to one line per 20 s: \(progress)")

        // A button without a ref means the newest task offering it.
        let upscale = try await chat.submit("!u1")
        #expect(upscale.result.contains("✅") && upscale.result.contains("!zoom"), "\(upscale.result)")
        let upscaleLink = try #require(Self.link(in: upscale.result))

        // Custom zoom answers code 21; the bot continues it through /submit/modal.
        let zoom = try await chat.submit("!zoom 1.5 \(upscale.ref) a wider lake")
        #expect(zoom.result.contains("✅") && zoom.result.contains("«a wider lake --zoom 1.5»"), "custom zoom: \(zoom.result)")

        let seed = try await chat.ask("!seed \(upscale.ref)", "seed") { $0.contains("seed") }
        #expect(seed.contains("🌱"), "\(seed)")

        let status = try await chat.ask("!status \(grid.ref)", "status") { $0.contains(grid.ref) }
        #expect(status.contains("✅") || status.lowercased().contains("done") || status.lowercased().contains("success"), "\(status)")

        let tasks = try await chat.ask("!tasks", "task list") { $0.hasPrefix("Your tasks here") }
        #expect(tasks.contains(grid.ref) && tasks.contains(upscale.ref), "\(tasks)")

        // describe → four prompts → pick one (PicReader modal).
        let described = try await chat.submit("!describe \(gridLink)")
        #expect(described.result.contains("4 prompts"), "\(described.result)")
        let prompt2 = try await user.said(by: harness.nick, "prompt 2") { $0.contains("2. ") }
        #expect(!prompt2.isEmpty)
        let picked = try await chat.submit("!pick 2 \(described.ref)")
        #expect(picked.result.contains("✅"), "pick: \(picked.result)")

        // Two Discord-length links overflow one IRC line: re-host them under short URLs.
        let host = try await ImageHost.start(["grid.png": try await ImageHost.download(gridLink),
                                              "upscale.png": try await ImageHost.download(upscaleLink)])
        defer { Task { await host.stop() } }
        let blended = try await chat.submit("!blend \(host.baseURL)/grid.png \(host.baseURL)/upscale.png --square")
        #expect(blended.result.contains("✅") && Self.link(in: blended.result) != nil, "blend: \(blended.result)")

        let swapped = try await chat.submit("!faceswap \(host.baseURL)/upscale.png \(host.baseURL)/grid.png")
        #expect(swapped.result.contains("✅"), "faceswap: \(swapped.result)")

        let shortened = try await chat.submit("!shorten a very detailed and beautiful painting of a lake")
        #expect(shortened.result.contains("✅ shortened"), "\(shortened.result)")

        // cancel a task that is still running.
        await harness.simulator.controls.stick(atPercent: 25)
        let ack = try await chat.ask("!imagine a slow lake", "ack of the slow task") { $0.contains("ref ") }
        let slow = try #require(BotOnTestnetTests.reference(in: ack))
        let cancelling = try await chat.ask("!cancel \(slow)", "cancel answer") { $0.contains(slow) && !$0.hasPrefix("⏳") }
        #expect(cancelling.contains("Cancelling"), "\(cancelling)")
        let cancelled = try await user.said(by: harness.nick, "the cancellation") { $0.contains("ref \(slow)") && ($0.contains("🚫") || $0.contains("❌")) }
        #expect(cancelled.contains("cancel"), "\(cancelled)")
        await harness.simulator.controls.stick(atPercent: nil)
        }
    }
}
