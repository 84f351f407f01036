import Bridge
import Foundation
import IRC
import Store
import Testing

/// `ChatBridge.invited` with `accept_invites = "channel-ops"` over a real SQLite store and the
/// recording transport (NAMES answers set by the test): what outranks a channel operator's
/// invitation, and `max_channels` under invitations arriving together (review finding 2).
@Suite struct InvitationsTests {
    static func withHarness(maxChannels: Int, _ body: (BridgeHarness) async throws -> Void) async throws {
        try await BridgeHarness.with(bridge: {
            $0.networkAccess[BridgeHarness.network] = NetworkAccess(acceptInvites: .channelOperators, maxChannels: maxChannels)
        }) { harness in
            await harness.transport.setJoined(only: [BridgeHarness.channel], network: BridgeHarness.network)
            await harness.transport.reportUnjoinedAsNotWanted()
            try await body(harness)
        }
    }

    static func invite(_ harness: BridgeHarness, _ channel: String, by nick: String, host: String) -> ChatInvite {
        ChatInvite(network: BridgeHarness.network, channel: channel, inviter: nick, userHost: "\(nick)@\(host)")
    }

    @Test func anIgnoredInviterAndAChannelTheOwnersPartedAreRefused() async throws {
        try await Self.withHarness(maxChannels: 20) { harness in
            let transport = harness.transport
            // Eve, ignored, created #eve (so she is its operator); the owners had the bot leave #left.
            await transport.setStanding(.operator, of: "eve", in: "#eve")
            await transport.setStanding(.operator, of: "op", in: "#left")
            _ = try await harness.bridge.roster.addIgnore(IgnoreEntry(key: "mask:*!*@bad.example", value: "*!*@bad.example",
                                                                      reason: nil, addedBy: "root", addedAt: Date()))
            try await harness.bridge.channels.setMembership(.parted, key: nil, network: BridgeHarness.network, channel: "#left",
                                                            at: Date())

            await harness.bridge.invited(Self.invite(harness, "#eve", by: "eve", host: "bad.example"))
            await harness.bridge.invited(Self.invite(harness, "#left", by: "op", host: "good.example"))

            #expect(await transport.channelRequests.isEmpty, "no JOIN on either invitation")
            #expect(await transport.standingQuestions.isEmpty, "refused before NAMES is asked")
            #expect(await harness.bridge.channels.memberships().map(\.membership) == [.parted], "the owners' !part stands")
            let outcomes = try await harness.store.recentAudit(limit: 10).filter { $0.command == "invite" }.map { "\($0.target ?? "") \($0.outcome)" }
            #expect(Set(outcomes) == ["#eve refused: ignored user", "#left refused: left by the owners (!part)"], "\(outcomes)")
            let sent = await transport.sent
            #expect(sent.map(\.target) == ["op"], "the operator is told, the ignored user gets nothing: \(sent)")
        }
    }

    @Test func invitationsArrivingTogetherStayWithinMaxChannels() async throws {
        // One channel joined, max_channels = 2: room for exactly one more.
        try await Self.withHarness(maxChannels: 2) { harness in
            let transport = harness.transport
            await transport.setStanding(.operator, of: "one", in: "#one")
            await transport.setStanding(.operator, of: "two", in: "#two")
            // Each count's answer is held until the other invitation asks too (if it ever does,
            // in 2 s): decided side by side, both would see room for one more.
            await transport.pairCountCallers(within: .seconds(2))
            async let first: Void = harness.bridge.invited(Self.invite(harness, "#one", by: "one", host: "h"))
            async let second: Void = harness.bridge.invited(Self.invite(harness, "#two", by: "two", host: "h"))
            _ = await (first, second)
            await transport.pairCountCallers(within: nil)

            let joins = await transport.channelRequests
            #expect(joins.count == 1, "\(joins)")
            #expect(await transport.wantedChannelCount(network: BridgeHarness.network) == 2)
            let outcomes = try await harness.store.recentAudit(limit: 10).filter { $0.command == "invite" }.map(\.outcome).sorted()
            #expect(outcomes == ["ok: joined", "refused: max_channels (2) reached"], "\(outcomes)")
        }
    }
}
