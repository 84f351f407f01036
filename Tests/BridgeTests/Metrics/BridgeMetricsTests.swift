import Bridge
import Foundation
import Logging
import MidjourneyAPI
import Synchronization
import Testing

/// What the bridge reports through `BridgeMetrics`: each command once with how it ended, and
/// each job the proxy accepted (the simulator over real HTTP, the bridge's own store).
@Suite struct BridgeMetricsTests {
    final class Recorded: Sendable {
        private let state = Mutex<(commands: [String], submitted: Int)>(([], 0))
        var commands: [String] { state.withLock { $0.commands } }
        var submitted: Int { state.withLock { $0.submitted } }
        var metrics: BridgeMetrics {
            BridgeMetrics(command: { name, outcome in self.state.withLock { $0.commands.append("\(name) \(outcome.rawValue)") } },
                          jobSubmitted: { self.state.withLock { $0.submitted += 1 } })
        }
    }

    @Test func commandsAreCountedOnceWithTheirOutcome() async throws {
        try await BridgeHarness.with { h in
            let recorded = Recorded()
            var logger = Logger(label: "bridge-metrics")
            logger.logLevel = .critical
            let bridge = ChatBridge(configuration: h.configuration, client: h.client, store: h.store, transport: h.transport,
                                imageFetcher: h.fetcher, clock: h.clock.bridgeClock, metrics: recorded.metrics, logger: logger)
            func say(_ text: String) async {
                await bridge.handle(ChatEvent(network: BridgeHarness.network, target: .channel(BridgeHarness.channel),
                                              sender: "alice", account: nil, text: text, botNick: BridgeHarness.botNick))
            }
            await say("!imagine a counted fox")
            await say("!imagine")
            await say("!ping")
            await say("!pause")  // admins only
            await say("just chatter, not a command")
            await h.sim.controls.setOutage(true)
            await say("!imagine a fox nobody hears of")
            await h.sim.controls.setOutage(false)
            #expect(recorded.commands == ["imagine ok", "imagine usage", "ping ok", "pause refused", "imagine error"],
                    "\(recorded.commands)")
            #expect(recorded.submitted == 1)
            await bridge.callbacksSettled()
            await bridge.deliverySettled()
            await bridge.shutdown()
        }
    }
}
