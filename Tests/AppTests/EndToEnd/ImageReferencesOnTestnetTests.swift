import App
import Foundation
import MidjourneySimulator
import Testing
import TestnetSupport

/// Task refs as image inputs (issue 7) typed by a user on the real network (InspIRCd + Atheme
/// over TLS), answered by the whole bot with the simulator behind it: `!blend <ref> <ref>` and
/// `!describe <ref>` work; a ref from another channel and an unfinished task are refused with
/// the reason. Without image hosting configured, the bot downloads each result's proxy link
/// through its guarded fetcher (loopback allowed by the harness's `[images] allow_networks`).
@Suite(.serialized, .enabled(if: !Testnet.skipRequested, Testnet.skipReason), .testnet)
struct ImageReferencesOnTestnetTests {
    @Test func refsOfEarlierResultsAsImageInputs() async throws {
        let second = "-refs"
        try await BotOnTestnetTests().withBot(configure: { harness in
            harness.configText() + "\n\n[[networks.channels]]\nname = \"\(harness.channel)\(second)\"\n"
        }) { harness, user in
            let me = await user.nick
            let chat = CommandsOnTestnetTests.Conversation(harness: harness, user: user, me: me)

            let lake = try await chat.submit("!imagine a quiet lake at dawn")
            #expect(lake.result.contains("✅"), "\(lake.result)")
            let boat = try await chat.submit("!imagine a red boat")
            #expect(boat.result.contains("✅"), "\(boat.result)")

            let blended = try await chat.submit("!blend \(lake.ref) \(boat.ref) --square")
            #expect(blended.result.contains("✅ «2 images» → "), "blend of refs: \(blended.result)")

            let described = try await chat.submit("!describe \(lake.ref)")
            #expect(described.result.contains("4 prompts"), "describe of a ref: \(described.result)")

            // A result asked for in another channel: refused here, with nothing of it shown.
            let other = harness.channel + second
            await user.send("JOIN \(other)")
            let nick = harness.nick
            _ = try await user.expect("the bot in \(other)") { message in
                (message.command == "353" && message.params.contains(other)
                    && (message.params.last ?? "").split(separator: " ").contains { $0.hasSuffix(nick) })
                    || (message.command == "JOIN" && message.source?.nick == nick && message.params.first == other)
            }
            // Ids end in 3 random digits, so a task here may share the other channel's 4-digit
            // ref (about 1 in 2,500): then that ref means the task here. Ask again until the
            // other channel's ref fits no task of this conversation.
            let refsHere = [lake.ref, boat.ref, blended.ref, described.ref]
            var otherRef = ""
            for attempt in 1...4 {
                await user.send("PRIVMSG \(other) :!imagine a hidden forest \(attempt)")
                let otherAck = try await user.expect("the acknowledgement in \(other)") { message in
                    message.command == "PRIVMSG" && message.source?.nick == nick && message.params.first == other
                        && (message.params.last ?? "").contains("— ref ")
                }
                let candidate = try #require(BotOnTestnetTests.reference(in: otherAck.params.last ?? ""))
                _ = try await user.expect("the result in \(other)") { message in
                    message.command == "PRIVMSG" && message.source?.nick == nick && message.params.first == other
                        && (message.params.last ?? "").contains("✅") && (message.params.last ?? "").contains("ref \(candidate)")
                }
                if !refsHere.contains(where: { $0.hasSuffix(candidate) || candidate.hasSuffix($0) }) {
                    otherRef = candidate
                    break
                }
            }
            try #require(!otherRef.isEmpty, "every ref in \(other) collided with one here")
            // A constant for the closure below (a captured var does not compile under Swift 6).
            let foreignRef = otherRef
            let foreign = try await chat.ask("!describe \(foreignRef)", "refusal of another channel's ref") {
                $0.contains(foreignRef) && !$0.contains("⏳")
            }
            #expect(foreign == "ref \(foreignRef) is not from this conversation: only results asked for here can be used.",
                    "\(foreign)")
            #expect(!foreign.contains("forest"))

            // A task still running.
            await harness.simulator.controls.stick(atPercent: 25)
            let ack = try await chat.ask("!imagine a slow lake", "ack of the slow task") { $0.contains("— ref ") }
            let slow = try #require(BotOnTestnetTests.reference(in: ack))
            let unfinished = try await chat.ask("!blend \(lake.ref) \(slow)", "refusal of an unfinished ref") {
                $0.contains("ref \(slow) is not")
            }
            #expect(unfinished.hasPrefix("Image 2: ref \(slow) is not finished yet ("), "\(unfinished)")
            #expect(unfinished.hasSuffix("); use it once it is done."), "\(unfinished)")
            _ = try await chat.ask("!cancel \(slow)", "cancel answer") { $0.contains(slow) && !$0.hasPrefix("⏳") }
            await harness.simulator.controls.stick(atPercent: nil)
        }
    }
}
