import Foundation
import Logging
import MidjourneyAPI
import Testing
@testable import Bridge
import Store

/// A delivery round that runs before `restoreChannels()` (the network registered, a callback
/// committed a result) must not give up on a channel the owners had the bot join from chat.
@Suite struct ChannelRestoreRaceTests {
    let t0 = Date(timeIntervalSince1970: 1_748_339_000)

    /// The IRC transport's rules for a channel: joined when the server said so; wanted when
    /// configured or handed over by `join` (which the bridge does in `restoreChannels()` for
    /// channels joined from chat); otherwise not wanted.
    actor WantedSetTransport: ChatTransport {
        private var wanted: Set<String>
        private var joined: Set<String> = []
        private(set) var sent: [OutgoingChat] = []

        init(configured: [String]) {
            wanted = Set(configured.map { $0.lowercased() })
        }

        func send(_ line: OutgoingChat) async throws { sent.append(line) }

        func channelStatus(network: String, channel: String) async -> ChannelStatus {
            if joined.contains(channel.lowercased()) { return .joined }
            return wanted.contains(channel.lowercased()) ? .waiting : .notWanted
        }

        func isJoined(network: String, channel: String) async -> Bool { joined.contains(channel.lowercased()) }

        func join(network: String, channel: String, key: String?) async throws { wanted.insert(channel.lowercased()) }

        func part(network: String, channel: String, reason: String?) async throws {
            wanted.remove(channel.lowercased())
            joined.remove(channel.lowercased())
        }

        /// The server's JOIN for the bot arrived.
        func serverJoined(_ channel: String) { joined.insert(channel.lowercased()) }
    }

    @Test func aChannelJoinedFromChatIsHeldNotDeadLetteredBeforeItIsRestored() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteStore.open(path: directory.databasePath)
        // Joined from chat in an earlier run; #parted was left from chat.
        try await store.updateChannelSetting(network: "net", channel: "#Chat", at: t0) { $0.membership = .joined }
        try await store.updateChannelSetting(network: "net", channel: "#parted", at: t0) { $0.membership = .parted }
        let owed = [
            OutboxLine(network: "net", target: "#chat", isChannel: true, text: "result for #chat", style: "privmsg", createdAt: t0),
            OutboxLine(network: "net", target: "#parted", isChannel: true, text: "result for #parted", style: "privmsg", createdAt: t0),
        ]
        try await store.enqueue(owed)
        let transport = WantedSetTransport(configured: ["#configured"])
        let client = try MidjourneyClient(configuration: MidjourneyConfiguration(baseURL: "http://127.0.0.1:9", apiKey: "k"),
                                          httpClient: MidjourneyClient.sharedHTTPClient)
        var logger = Logger(label: "race")
        logger.logLevel = .critical
        let clock = ManualClock(t0)
        let bridge = ChatBridge(configuration: BridgeConfiguration(versionText: "test", defaultProgress: .off), client: client,
                                store: store, transport: transport, imageFetcher: nil, clock: clock.bridgeClock, logger: logger)

        // The network registers before `run()` has restored the channels: the worker runs a round.
        await bridge.registered(network: "net")
        await bridge.deliverySettled()
        let summary = try await store.outboxSummary()
        #expect(summary.deadLettered == 1, "only the parted channel's line is given up on")
        #expect(summary.oldestDeadLettered.map(\.text) == ["result for #parted"])
        #expect(try await store.unsentLines().map(\.text) == ["result for #chat"])
        #expect(try await store.unsentLines().first?.heldReason == "the bot is not in #chat (yet)")

        // Restored, then the server confirms the JOIN: the held line goes out.
        await bridge.restoreChannels()
        await transport.serverJoined("#chat")
        await bridge.joined(network: "net", channel: "#chat")
        await bridge.deliverySettled()
        #expect(await transport.sent.map(\.text) == ["result for #chat"])
        #expect(try await store.unsentLines().isEmpty)
        await bridge.shutdown()
    }
}
