import Foundation
import Testing
import Bridge
import Store

/// The delivery workers live as long as the bridge's `run()`.
@Suite struct DeliveryLifecycleTests {
    @Test func cancellingRunStopsTheDeliveryWorkers() async throws {
        try await BridgeHarness.with { h in
            let gate = PollGate()
            try await h.restart(clock: gate.clock(h.clock))
            let run = Task { try await h.bridge.run() }
            await gate.waitUntilSleeping()
            // Running: a committed line goes out.
            try await h.store.enqueue([OutboxLine(network: BridgeHarness.network, target: "alice", isChannel: false,
                                                  text: "while running", style: "privmsg", createdAt: h.clock.now)])
            await h.bridge.registered(network: BridgeHarness.network)
            #expect(await h.transport.waitUntil { $0.contains { $0.text == "while running" } })

            run.cancel()
            await #expect(throws: CancellationError.self) { try await run.value }
            // Stopped: nothing goes out any more; the line stays owed for the next start.
            try await h.store.enqueue([OutboxLine(network: BridgeHarness.network, target: "alice", isChannel: false,
                                                  text: "after the end", style: "privmsg", createdAt: h.clock.now)])
            await h.bridge.registered(network: BridgeHarness.network)
            await h.bridge.joined(network: BridgeHarness.network, channel: BridgeHarness.channel)
            await h.bridge.deliverySettled()
            #expect(!(await h.transport.texts).contains("after the end"))
            #expect(try await h.store.unsentLines().map(\.text) == ["after the end"])
        }
    }
}
