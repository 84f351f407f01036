import Foundation
import MidjourneyAPI
import MidjourneySimulator
import Store
import Testing
@testable import Bridge

/// The callback path secret is known to the proxy's operator, so a callback body is only a
/// hint: the bot asks the (simulated) proxy over loopback HTTP and believes its answer; an
/// unknown id is adopted only with a state the bot signed. Real SQLite, real HTTP, no mocks.
@Suite struct ForgedCallbackTests {
    static let carol = TaskRoute(network: BridgeHarness.network, channel: BridgeHarness.channel, nick: "carol")

    static func body(id: String, status: String = "SUCCESS", state: String? = nil,
                     imageUrl: String = "http://evil.example/forged.png") -> Data {
        var object: [String: Any] = ["id": id, "status": status, "progress": "100%", "imageUrl": imageUrl,
                                     "action": "IMAGINE", "failReason": "forged"]
        if let state { object["state"] = state }
        return try! JSONSerialization.data(withJSONObject: object)
    }

    /// Waits (at most 60 s, else the test fails) until the simulator has seen more requests.
    static func waitForRequests(_ h: BridgeHarness, moreThan count: Int) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(60))
        while await h.sim.controls.stats().requests <= count {
            try #require(clock.now < deadline, "the proxy was never asked")
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test func aForgedResultForARealTaskNeverReachesTheChannelTheProxysAnswerDoes() async throws {
        try await BridgeHarness.with { h in
            await h.say("!imagine a red fox")
            let ref = try #require(BridgeHarness.ref(in: await h.lastLine))
            let id = try #require(try await h.taskId(ref: ref))
            await h.advance(milliseconds: 2) // running, not finished
            let said = await h.lines.count

            // Forged SUCCESS with an evil link, then a forged FAILURE to end it early.
            #expect(await h.bridge.receiveCallback(Self.body(id: id)) == .known)
            #expect(await h.bridge.receiveCallback(Self.body(id: id, status: "FAILURE")) == .known)
            await h.bridge.callbacksSettled()
            let afterForgery = await h.lines(after: said)
            #expect(afterForgery.isEmpty, "\(afterForgery)")
            #expect(try await h.store.task(id: id)?.isTerminal == false)

            // The real result, as the proxy reports it, is said once.
            await h.finishJobs()
            let results = await h.results(for: ref)
            #expect(results.count == 1 && results[0].contains("✅"), "\(results)")
            let link = try #require(BridgeHarness.link(in: results[0]))
            #expect(link.hasPrefix("http://127.0.0.1:"), "\(link)")
            #expect(!(await h.lines).contains { $0.contains("evil.example") || $0.contains("forged") })
            // A late forged callback for the finished task changes nothing either.
            _ = await h.bridge.receiveCallback(Self.body(id: id, status: "FAILURE"))
            await h.bridge.callbacksSettled()
            #expect(await h.results(for: ref).count == 1)
        }
    }

    @Test func anUnknownIdWithAnUnsignedTamperedOrTruncatedStateIsIgnored() async throws {
        try await BridgeHarness.with { h in
            // A real orphan on the proxy, with a genuinely signed state: if any forged hint were
            // believed, asking the proxy would adopt and announce it — so nothing may be asked.
            let state = try #require(BridgeHarness.signedState(Self.carol))
            let response = try await h.client.imagine(ImagineRequest(prompt: "an orphan", state: state))
            let id = try #require(response.taskId)
            await h.sim.runUntilIdle()
            let requestsBefore = await h.sim.controls.stats().requests

            var forged: [String] = ["mjb1 testnet #art carol", "irc:#art:carol", "mjb2 testnet #art carol - -"]
            let scalars = Array(state.unicodeScalars)
            for index in scalars.indices {
                var changed = scalars
                changed[index] = scalars[index] == "x" ? "y" : "x"
                forged.append(String(String.UnicodeScalarView(changed)))
            }
            for length in 1..<scalars.count {
                forged.append(String(String.UnicodeScalarView(scalars.prefix(length))))
            }
            // Signed, but for a network that is not configured.
            forged.append(try #require(SignedRouteState(route: TaskRoute(network: "othernet", channel: "#art", nick: "carol"))
                .encoded(with: BridgeHarness.stateKey)))
            for text in forged {
                let outcome = await h.bridge.receiveCallback(Self.body(id: id, state: text))
                #expect(outcome == .forgedState || outcome == .invalidRoute, "\(text): \(outcome)")
            }
            #expect(await h.bridge.receiveCallback(Self.body(id: id)) == .unknown)
            await h.bridge.callbacksSettled()

            let lines = await h.lines
            #expect(lines.isEmpty, "\(lines)")
            #expect(try await h.store.task(id: id) == nil)
            #expect(await h.sim.controls.stats().requests == requestsBefore)
        }
    }

    @Test func aSignedOrphanIsDeliveredExactlyOnceFromTheProxysAnswer() async throws {
        try await BridgeHarness.with { h in
            // The crash between accept and insert: the proxy has the task, the store never saw it.
            let state = try #require(BridgeHarness.signedState(Self.carol))
            let response = try await h.client.imagine(ImagineRequest(prompt: "an orphan task", state: state,
                                                                     notifyHook: h.recorder.url))
            let id = try #require(response.taskId)
            await h.sim.runUntilIdle()
            let callbacks = await h.newCallbacks().filter { $0.taskId == id }
            #expect(!callbacks.isEmpty)
            // Each real callback, plus a forged SUCCESS with the genuine state, three times,
            // part of them at once.
            let bodies = callbacks.map { Data($0.body) } + [Self.body(id: id, state: state)]
            await withTaskGroup(of: Void.self) { group in
                for body in bodies {
                    group.addTask { #expect(await h.bridge.receiveCallback(body) != .forgedState) }
                }
            }
            await h.bridge.callbacksSettled()
            for _ in 0..<2 {
                for body in bodies { _ = await h.bridge.receiveCallback(body) }
                await h.bridge.callbacksSettled()
            }
            let lines = await h.lines
            #expect(lines.count == 1, "\(lines)")
            #expect(lines.first?.hasPrefix("carol: ✅ «an orphan task") == true, "\(lines)")
            #expect(!lines.contains { $0.contains("evil.example") })
            let task = try #require(try await h.store.task(id: id))
            #expect(task.channel == BridgeHarness.channel && task.nick == "carol" && task.isTerminal)
        }
    }

    @Test func aBurstOfCallbacksBecomesOneQuestionToTheProxy() async throws {
        try await BridgeHarness.with { h in
            await h.sim.controls.duplicateCallbacks(fraction: 1)
            let gate = HintGate()
            try await h.restart(hintSleep: { _ in await gate.sleep() })
            do {
                var refs: [String] = []
                for prompt in ["one", "two", "three", "four", "five", "six"] {
                    await h.say("!imagine \(prompt)")
                    refs.append(try #require(BridgeHarness.ref(in: await h.lastLine)))
                }
                await h.sim.runUntilIdle()
                let callbacks = await h.newCallbacks()
                #expect(callbacks.count >= 12, "\(callbacks.count)")
                let requestsBefore = await h.sim.controls.stats().requests
                for callback in callbacks {
                    #expect(await h.bridge.receiveCallback(Data(callback.body)) == .known)
                }
                await gate.waitUntilSleeping()
                // Still within the window: nothing asked yet.
                #expect(await h.sim.controls.stats().requests == requestsBefore)
                await gate.open()
                await h.bridge.callbacksSettled()
                #expect(await h.sim.controls.stats().requests - requestsBefore == 1)
                for ref in refs {
                    let results = await h.results(for: ref)
                    #expect(results.count == 1 && results[0].contains("✅"), "\(ref): \(results)")
                }
            } catch {
                await gate.open()
                throw error
            }
        }
    }

    @Test func theCallbackIsAnsweredBeforeTheProxyIs() async throws {
        try await BridgeHarness.with { h in
            await h.say("!imagine a slow fox")
            let ref = try #require(BridgeHarness.ref(in: await h.lastLine))
            await h.sim.runUntilIdle()
            let last = try #require(await h.newCallbacks().last)
            // Every answer of the proxy now takes 10 s.
            await h.sim.controls.slowResponses(.seconds(10))
            let requestsBefore = await h.sim.controls.stats().requests
            #expect(await h.bridge.receiveCallback(Data(last.body)) == .known)
            // Returned, yet the result (which needs the proxy's answer) is not there.
            #expect(await h.results(for: ref).isEmpty)
            // The question is on its way, and its answer then gives the result.
            try await Self.waitForRequests(h, moreThan: requestsBefore)
            await h.bridge.callbacksSettled()
            #expect(await h.results(for: ref).count == 1)
            await h.sim.controls.slowResponses(.zero)
        }
    }
}

/// The callback window, opened by the test.
actor HintGate {
    private var isOpen = false
    private var sleepers: [CheckedContinuation<Void, Never>] = []
    private var sleepWaiters: [CheckedContinuation<Void, Never>] = []

    func sleep() async {
        if isOpen { return }
        await withCheckedContinuation { continuation in
            sleepers.append(continuation)
            for waiter in sleepWaiters { waiter.resume() }
            sleepWaiters = []
        }
    }

    func waitUntilSleeping() async {
        if !sleepers.isEmpty || isOpen { return }
        await withCheckedContinuation { sleepWaiters.append($0) }
    }

    func open() {
        isOpen = true
        for sleeper in sleepers { sleeper.resume() }
        sleepers = []
        for waiter in sleepWaiters { waiter.resume() }
        sleepWaiters = []
    }
}
