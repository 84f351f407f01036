import Bridge
import Foundation
import Store
import Testing

/// `ChannelSettings` over a real SQLite store: what another process wrote to the shared store
/// is seen after `reload` (a network taken over restores the decisions the database has now),
/// not from what this process read before.
@Suite struct ChannelSettingsTests {
    @Test func aNetworkTakenOverRestoresTheDecisionsTheStoreHasNowOnlyForItself() async throws {
        try await BridgeHarness.with { harness in
            let (bridge, network) = (harness.bridge, BridgeHarness.network)
            // Read once (at this process's start): nothing decided from chat yet.
            #expect(await bridge.channels.memberships().isEmpty)
            // Meanwhile the holder of the network (another process) joins one channel and
            // leaves another; and something on another network.
            let t0 = Date(timeIntervalSince1970: 1_764_000_000)
            _ = try await harness.store.updateChannelSetting(network: network, channel: "#joined", at: t0) { $0.membership = .joined }
            _ = try await harness.store.updateChannelSetting(network: network, channel: "#left", at: t0 + 1) { $0.membership = .parted }
            _ = try await harness.store.updateChannelSetting(network: "other", channel: "#elsewhere", at: t0) { $0.membership = .joined }
            #expect(await bridge.channels.memberships().isEmpty, "cached: read from memory after the first read")

            await bridge.restoreChannels(network: network)
            #expect(await harness.transport.channelRequests == ["JOIN \(network) #joined", "PART \(network) #left"])
            #expect(await bridge.channels.isJoinedFromChat(network: network, channel: "#joined"))
            #expect(await bridge.channels.membership(network: network, channel: "#left") == .parted)

            // A change made here after the reload is kept (the cache is the fresh one).
            try await bridge.channels.setMembership(.joined, key: nil, network: network, channel: "#new", at: t0 + 2)
            await bridge.channels.reload()
            #expect(await bridge.channels.memberships().map(\.channel) == ["#elsewhere", "#joined", "#left", "#new"])
        }
    }
}
