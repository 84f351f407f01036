import Foundation
import MidjourneyAPI
import MidjourneySimulator
import Store
import Testing
@testable import Bridge

/// Callbacks lost, doubled, out of order or absent; the bot restarted with tasks in flight:
/// every result is said exactly once.
@Suite struct DeliveryFaultTests {
    static func imagine(_ h: BridgeHarness, _ prompts: [String]) async throws -> [String] {
        var refs: [String] = []
        for prompt in prompts {
            await h.say("!imagine \(prompt)")
            refs.append(try #require(BridgeHarness.ref(in: await h.lastLine)))
        }
        return refs
    }

    @Test func droppedCallbacksArePickedUpByPolling() async throws {
        try await BridgeHarness.with { h in
            await h.sim.controls.dropCallbacks(fraction: 1)
            let refs = try await Self.imagine(h, ["a red fox", "a blue whale"])
            await h.finishJobs()
            for ref in refs { #expect(await h.results(for: ref).isEmpty) }
            #expect(await h.allCallbacks.isEmpty)

            h.clock.advance(by: 5)
            await h.poll()
            for ref in refs { #expect(await h.results(for: ref).count == 1) }
            h.clock.advance(by: 5)
            await h.poll()
            for ref in refs { #expect(await h.results(for: ref).count == 1) }
        }
    }

    @Test func duplicatedAndReorderedCallbacksGiveOneLine() async throws {
        try await BridgeHarness.with(bridge: { $0.defaultProgress = .quarter; $0.progressMinimumInterval = 0 }) { h in
            await h.sim.controls.duplicateCallbacks(fraction: 1)
            await h.sim.controls.reorderCallbacks(true)
            let refs = try await Self.imagine(h, ["a red fox", "a blue whale", "a green frog"])
            for _ in 0..<6 {
                h.clock.advance(by: 1)
                await h.advance(milliseconds: 1)
            }
            await h.sim.controls.reorderCallbacks(false)
            await h.finishJobs()
            let stats = await h.sim.controls.stats()
            #expect(stats.callbacksDuplicated > 0)
            // Replaying everything once more changes nothing either.
            for callback in await h.allCallbacks {
                #expect(await h.bridge.receiveCallback(Data(callback.body)) == .known)
            }
            await h.bridge.callbacksSettled()
            for ref in refs {
                let results = await h.results(for: ref)
                #expect(results.count == 1 && results[0].contains("✅"), "\(results)")
                // Progress never goes backwards: each level at most once, increasing.
                let levels = await h.lines.filter { $0.contains("ref \(ref) at ") }
                    .compactMap { Int($0.split(separator: " ").dropLast().last ?? "") }
                #expect(levels == levels.sorted() && Set(levels).count == levels.count, "\(levels)")
            }
        }
    }

    @Test func callbacksAndPollsRacingEachOtherStillGiveOneLinePerResult() async throws {
        try await BridgeHarness.with(bridge: { $0.defaultProgress = .quarter; $0.progressMinimumInterval = 0 }) { h in
            await h.sim.controls.duplicateCallbacks(fraction: 0.5)
            let refs = try await Self.imagine(h, (1...12).map { "fox number \($0)" })
            await h.sim.runUntilIdle()
            let callbacks = await h.newCallbacks()
            h.clock.advance(by: 5)
            // Every callback twice, all at once, with polling cycles and a rejoin flush in between.
            await withTaskGroup(of: Void.self) { group in
                for callback in callbacks + callbacks.reversed() {
                    group.addTask { _ = await h.bridge.receiveCallback(Data(callback.body)) }
                }
                for _ in 0..<3 {
                    group.addTask { await h.poll() }
                    group.addTask { await h.bridge.joined(network: BridgeHarness.network, channel: BridgeHarness.channel) }
                }
            }
            await h.bridge.callbacksSettled()
            for ref in refs {
                let results = await h.results(for: ref)
                #expect(results.count == 1 && results[0].contains("✅"), "\(ref): \(results)")
            }
            #expect(try await h.store.unsentLines().isEmpty)
        }
    }

    @Test func withoutANotifyHookPollingAloneWorks() async throws {
        try await BridgeHarness.with(callbacks: false) { h in
            let refs = try await Self.imagine(h, ["a red fox", "a blue whale"])
            await h.finishJobs()
            #expect(await h.allCallbacks.isEmpty)
            for ref in refs { #expect(await h.results(for: ref).isEmpty) }
            h.clock.advance(by: 5)
            await h.poll()
            for ref in refs { #expect(await h.results(for: ref).count == 1) }
        }
    }

    @Test func theRunLoopPollsInBatches() async throws {
        try await BridgeHarness.with(callbacks: false, bridge: { $0.pollBatchSize = 2 }) { h in
            let gate = PollGate()
            try await h.restart(clock: gate.clock(h.clock))
            let refs = try await Self.imagine(h, ["one", "two", "three", "four", "five"])
            await h.sim.runUntilIdle()
            let requestsBefore = await h.sim.controls.stats().requests
            let run = Task { try await h.bridge.run() }
            defer { run.cancel() }
            // Recovery polls every pending task at once: 5 tasks, 2 per request.
            #expect(await h.transport.waitUntil { sent in
                refs.allSatisfy { ref in sent.contains { $0.text.contains("✅") && $0.text.contains("ref \(ref)") } }
            })
            await gate.waitUntilSleeping()
            #expect(await h.sim.controls.stats().requests - requestsBefore == 3)
            await gate.cycle()
            // Nothing pending: a cycle asks nothing.
            #expect(await h.sim.controls.stats().requests - requestsBefore == 3)
            for ref in refs { #expect(await h.results(for: ref).count == 1) }
        }
    }

    @Test func aRestartDeliversEachResultExactlyOnce() async throws {
        try await BridgeHarness.with { h in
            let refs = try await Self.imagine(h, ["a red fox", "a blue whale", "a green frog"])
            await h.advance(milliseconds: 2) // all started, nothing finished
            // Everything finishes; only the third result reaches the bot, and its line cannot be
            // written before the crash. The other callbacks arrive while it is down.
            await h.transport.setDown(true)
            await h.sim.advance(by: .milliseconds(20))
            let third = try #require(try await h.taskId(ref: refs[2]))
            for callback in await h.newCallbacks() where callback.taskId == third {
                _ = await h.bridge.receiveCallback(Data(callback.body))
            }
            await h.bridge.callbacksSettled()
            #expect(await h.results(for: refs[2]).isEmpty)
            #expect(try await h.store.unsentLines().count == 1)

            // Crash, restart over the same file.
            await h.transport.setDown(false)
            try await h.restart(clock: PollGate().clock(h.clock))
            let run = Task { try await h.bridge.run() }
            defer { run.cancel() }
            #expect(await h.transport.waitUntil { sent in
                refs.allSatisfy { ref in sent.contains { $0.text.contains("✅") && $0.text.contains("ref \(ref)") } }
            })
            // Late duplicates after the restart change nothing.
            for callback in await h.allCallbacks { _ = await h.bridge.receiveCallback(Data(callback.body)) }
            await h.bridge.callbacksSettled()
            await h.bridge.tracker.recover()
            for ref in refs {
                let results = await h.results(for: ref)
                #expect(results.count == 1 && results[0].contains("✅"), "\(ref): \(results)")
            }
        }
    }

    @Test func aResultThatOvertakesTheSubmitAnswerIsSaidOnce() async throws {
        try await BridgeHarness.with { h in
            // The proxy's answer to the submit is slow; the job finishes and its callbacks
            // arrive before the command records the task. Step 1: the submit, as the command sends it.
            let route = TaskRoute(network: BridgeHarness.network, channel: BridgeHarness.channel, nick: "alice")
            let response = try await h.client.imagine(ImagineRequest(prompt: "a hasty fox", state: BridgeHarness.signedState(route),
                                                                     notifyHook: h.recorder.url))
            let id = try #require(response.taskId)
            // Step 2: the callbacks overtake the answer.
            await h.finishJobs()
            // Step 3: the answer arrives; the command records the task with its acknowledgement.
            let now = h.clock.now
            let record = TaskRecord(id: id, route: route, kind: "imagine", prompt: "a hasty fox", status: "NOT_START",
                                    statusRank: 0, createdAt: now, deadline: now.addingTimeInterval(900))
            let ack = OutboxLine(network: BridgeHarness.network, target: BridgeHarness.channel, isChannel: true,
                                 text: "alice: ⏳ «a hasty fox» — ref …", style: "privmsg", taskId: id, createdAt: now)
            try await h.bridge.tracker.track(record, lines: [ack])

            let lines = await h.lines
            #expect(lines.count == 1, "\(lines)")
            #expect(lines.first?.hasPrefix("alice: ✅ «a hasty fox") == true, "\(lines)")
            // The record now carries what the command knew.
            let task = try #require(try await h.store.task(id: id))
            #expect(task.kind == "imagine" && task.prompt == "a hasty fox" && task.isTerminal)
        }
    }

    @Test func sentLinesArePrunedAfterAWeek() async throws {
        try await BridgeHarness.with { h in
            let oldRef = try await h.imagined("an old fox")
            let old = try #require(try await h.taskId(ref: oldRef))
            #expect(try await h.store.lines(forTask: old).count == 2)
            h.clock.advance(by: 8 * 24 * 3600)
            await h.say("!imagine a young fox")
            let youngRef = try #require(BridgeHarness.ref(in: await h.lastLine))
            let young = try #require(try await h.taskId(ref: youngRef))
            await h.transport.setDown(true)
            await h.finishJobs() // the young result stays owed
            await h.transport.setDown(false)
            let gate = PollGate()
            try await h.restart(clock: gate.clock(h.clock))
            let run = Task { try await h.bridge.run() }
            defer { run.cancel() }
            await gate.waitUntilSleeping()
            #expect(await h.results(for: youngRef).count == 1)
            #expect(try await h.store.lines(forTask: old).isEmpty)
            #expect(try await h.store.lines(forTask: young).count == 2)
        }
    }

    @Test func aTaskTheStoreNeverSawIsRoutedByItsState() async throws {
        try await BridgeHarness.with { h in
            // The bot crashed between the proxy accepting the job and recording it.
            let route = TaskRoute(network: BridgeHarness.network, channel: BridgeHarness.channel, nick: "carol")
            let response = try await h.client.imagine(ImagineRequest(prompt: "an orphan task", state: BridgeHarness.signedState(route),
                                                                     notifyHook: h.recorder.url))
            await h.finishJobs()
            let result = try #require(await h.lines.last)
            #expect(result.hasPrefix("carol: ✅ «an orphan task") && result.contains(" → "), "\(result)")
            #expect(try await h.store.task(id: try #require(response.taskId)) != nil)
            // An unsigned state routes nothing (the old format could put a line break on the wire).
            let forged = #"{"id":"999","status":"SUCCESS","progress":"100%","state":"mjb1 testnet %23art%0D%0AQUIT x","imageUrl":"http://x/y.png"}"#
            #expect(await h.bridge.receiveCallback(Data(forged.utf8)) == .forgedState)
            #expect(await h.bridge.receiveCallback(Data("not json".utf8)) == .noTaskId)
        }
    }

    @Test func resultsForAChannelTheBotLeftWaitForTheRejoin() async throws {
        try await BridgeHarness.with { h in
            let refs = try await Self.imagine(h, ["a red fox"])
            await h.transport.part(network: BridgeHarness.network, channel: BridgeHarness.channel)
            await h.finishJobs()
            #expect(await h.results(for: refs[0]).isEmpty)
            await h.transport.join(network: BridgeHarness.network, channel: "#ART")
            await h.bridge.joined(network: BridgeHarness.network, channel: "#ART")
            #expect(await h.results(for: refs[0]).count == 1)
        }
    }

    @Test func heldProgressIsSupersededByTheResult() async throws {
        try await BridgeHarness.with(bridge: { $0.defaultProgress = .quarter; $0.progressMinimumInterval = 0 }) { h in
            await h.say("!imagine a red fox")
            let ref = try #require(BridgeHarness.ref(in: await h.lastLine))
            await h.advance(milliseconds: 2) // 25 %: said
            let said = await h.lines.count
            await h.transport.part(network: BridgeHarness.network, channel: BridgeHarness.channel)
            await h.advance(milliseconds: 2) // 50 %, 75 %: held
            await h.finishJobs()             // the result: held
            await h.transport.join(network: BridgeHarness.network, channel: BridgeHarness.channel)
            await h.bridge.joined(network: BridgeHarness.network, channel: BridgeHarness.channel)
            let after = await h.lines(after: said)
            #expect(after.count == 1 && after[0].contains("✅"), "\(after)")
            #expect(await h.results(for: ref).count == 1)
        }
    }
}

/// A `BridgeClock` whose `sleep` waits for the test: `run()` does one polling cycle per
/// `cycle()`, so the loop is driven exactly.
actor PollGate {
    private var sleeper: CheckedContinuation<Void, any Error>?
    private var sleepWaiters: [CheckedContinuation<Void, Never>] = []
    private var cancelled = false

    nonisolated func clock(_ manual: ManualClock) -> BridgeClock {
        BridgeClock(now: { manual.now }, sleep: { [self] _ in try await self.sleep() })
    }

    func sleep() async throws {
        try await withTaskCancellationHandler {
            if cancelled { throw CancellationError() }
            try await withCheckedThrowingContinuation { continuation in
                sleeper = continuation
                for waiter in sleepWaiters { waiter.resume() }
                sleepWaiters = []
            }
        } onCancel: {
            Task { await self.cancel() }
        }
    }

    private func cancel() {
        cancelled = true
        sleeper?.resume(throwing: CancellationError())
        sleeper = nil
    }

    /// Suspends until the loop is waiting for the next cycle.
    func waitUntilSleeping() async {
        if sleeper != nil { return }
        await withCheckedContinuation { sleepWaiters.append($0) }
    }

    /// Lets the loop run one cycle and waits until it is done.
    func cycle() async {
        await waitUntilSleeping()
        let current = sleeper
        sleeper = nil
        current?.resume()
        await waitUntilSleeping()
    }
}
