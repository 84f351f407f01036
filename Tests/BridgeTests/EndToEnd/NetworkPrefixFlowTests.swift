import Foundation
import Store
import Testing
@testable import Bridge

/// A network with a command prefix of its own (`[[matrix]] command_prefix`) beside one that
/// uses the bot's: each hears only its own prefix, and every text that names a command (help,
/// usage, result hints) names it with the prefix of the conversation it is said in.
@Suite struct NetworkPrefixFlowTests {
    static let room = "!art:example.org"

    /// A line in `room` on network `mx`, as the Matrix transport builds it.
    static func matrixEvent(_ text: String) -> ChatEvent {
        var event = ChatEvent(network: "mx", target: .channel(room), sender: "Alice", account: "@alice:example.org",
                              text: text, botNick: "mjb", accountVerified: true, caseMapping: .ascii)
        event.replyTo = ReplyReference(eventID: "$e\(UUID().uuidString.prefix(8))", threadRoot: nil, userID: "@alice:example.org")
        return event
    }

    @Test func eachNetworkHearsItsOwnPrefixAndNamesCommandsWithIt() async throws {
        try await BridgeHarness.with(bridge: { $0.networkPrefixes["mx"] = "." }) { h in
            #expect(h.bridge.live.current.commandPrefix(network: "mx") == ".")
            #expect(h.bridge.live.current.commandPrefix(network: BridgeHarness.network) == "!")
            #expect(!h.bridge.mayBeCommand(Self.matrixEvent("!ping")))
            #expect(h.bridge.mayBeCommand(Self.matrixEvent(".ping")))

            await h.hear(Self.matrixEvent("!ping"))
            #expect(await h.transport.sent.isEmpty, "the bot's prefix is not this network's")
            await h.hear(Self.matrixEvent(".ping"))
            #expect(await h.lastLine == "Alice: pong")
            #expect(await h.transport.sent.last?.target == Self.room)

            await h.hear(Self.matrixEvent(".help"))
            let index = await h.lastLine
            #expect(index.contains(".help <command>"), "\(index)")
            #expect(!index.contains("!help"), "\(index)")
            await h.hear(Self.matrixEvent(".help imagine"))
            let help = await h.lines.suffix(2).joined(separator: "\n")
            #expect(help.contains(".imagine"), "\(help)")
            #expect(!help.contains("!imagine"), "\(help)")
            await h.hear(Self.matrixEvent(".zoom 7x"))
            #expect(await h.lastLine.contains("(e.g. .zoom 1.3)"), "usage texts carry the network's prefix")

            // A job: the acknowledgement, then the result's next actions with this prefix.
            await h.hear(Self.matrixEvent(".imagine a red fox"))
            let ack = await h.lastLine
            let ref = try #require(BridgeHarness.ref(in: ack), "\(ack)")
            await h.finishJobs()
            let result = try #require(await h.results(for: ref).first)
            #expect(result.contains("next: .u1–4 .v1–4 .reroll"), "\(result)")

            // The other network keeps the bot's prefix, in commands and in texts.
            let before = await h.lines.count
            await h.say(".ping")
            #expect(await h.lines.count == before, "'.' is not a prefix on IRC here")
            await h.say("!help")
            #expect(await h.lastLine.contains("!help <command>"))
        }
    }

    @Test func aReloadedBotPrefixReachesNetworksWithoutTheirOwn() async throws {
        try await BridgeHarness.with(bridge: { $0.networkPrefixes["mx"] = "." }) { h in
            var settings = h.bridge.live.current
            settings.commandPrefix = "?"
            h.bridge.live.replace(with: settings)
            #expect(h.bridge.live.current.commandPrefix(network: BridgeHarness.network) == "?")
            #expect(h.bridge.live.current.commandPrefix(network: "mx") == ".", "an account's own prefix stays")
            await h.say("?ping")
            #expect(await h.lastLine == "alice: pong")
        }
    }
}
