import Foundation
import Logging
import Synchronization
import MidjourneyAPI
import MidjourneySimulator
import Store
import Testing
@testable import Bridge

/// Intent before submit, end to end: a real bridge over a real SQLite file and the simulator
/// over loopback HTTP. The simulator takes a job and loses its answer; the bridge "crashes"
/// (a new bridge over the same file, the old one's command cancelled so it writes nothing
/// more). After the restart the job is found again — in the proxy's task list or by a
/// callback carrying the intent in its signed state — or its user is told it was lost track
/// of, exactly once. Never silence.
@Suite struct IntentRecoveryTests {
    static let prompt = "a lost fox"
    static let lostLine = "alice: ⚠️ I lost track of your imagine «a lost fox» (the image service may have taken it) — check !tasks later."

    /// Alice's `!imagine` reaches the proxy, which creates the task; the answer is held back
    /// and the bot dies before it could have recorded anything.
    static func crashAfterTheProxyAccepted(_ h: BridgeHarness) async throws {
        await h.sim.controls.loseSubmitAnswers(1, heldFor: .seconds(3600))
        let command = Task { await h.say("!imagine \(prompt)") }
        let deadline = ContinuousClock.now.advanced(by: .seconds(60))
        while await h.sim.controls.stats().submitAnswersLost < 1 {
            if ContinuousClock.now >= deadline {
                command.cancel()
                Issue.record("the submit never reached the simulator")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        try await h.restart()
        command.cancel()
        await command.value
        #expect(await h.sim.controls.stats().tasksCreated == 1)
        #expect(try await h.store.pendingTasks().isEmpty, "the dead run recorded no task")
        let open = try await h.store.openIntents(createdUpTo: .distantFuture)
        #expect(open.count == 1 && open.first?.kind == "imagine" && open.first?.prompt == prompt && open.first?.nick == "alice",
                "\(open)")
    }

    func results(_ h: BridgeHarness) async -> [String] { await h.lines.filter { $0.contains("✅") } }
    func lostLines(_ h: BridgeHarness) async -> [String] { await h.lines.filter { $0.contains("lost track") } }

    @Test func acceptedAnswerLostCrashThenTheTaskListAdoptsItAndTheResultIsSaidOnce() async throws {
        try await BridgeHarness.with(flavor: .trueai, callbacks: false) { h in
            try await Self.crashAfterTheProxyAccepted(h)
            let intent = try #require(try await h.store.openIntents(createdUpTo: .distantFuture).first)
            await h.bridge.tracker.recover()
            let task = try #require(try await h.store.pendingTasks().first, "adopted from GET /mj/task/list")
            #expect(task.kind == "imagine" && task.prompt == Self.prompt && task.nick == "alice"
                    && task.channel == BridgeHarness.channel && task.userKey == intent.userKey && task.createdAt == intent.createdAt)
            let closed = try await h.store.intent(id: intent.id)
            #expect(closed?.state == .accepted && closed?.acceptedTaskIds == [task.id])

            await h.sim.runUntilIdle()
            await h.bridge.tracker.poll(everything: true)
            let said = await results(h)
            #expect(said.count == 1 && said.first?.hasPrefix("alice: ") == true && said.first?.contains("«a lost fox»") == true, "\(said)")

            // Past the grace period, and across another restart: nothing more is said.
            h.clock.advance(by: 3600)
            await h.bridge.tracker.reconcileIntents(minimumAge: 60)
            try await h.restart()
            await h.bridge.tracker.recover()
            await h.bridge.tracker.reconcileIntents(minimumAge: 60)
            #expect(await results(h).count == 1)
            #expect(await lostLines(h).isEmpty)
        }
    }

    /// The same on a Matrix account: the route the signed state names (a room id, a display
    /// name with a space, a user id) is one a result may go to, so the task is adopted and its
    /// result replies to the command's event in the room, once.
    @Test func onMatrixTheTaskListAdoptsItAndTheResultRepliesInTheRoomOnce() async throws {
        let room = "!room:example.org"
        let reply = ReplyReference(eventID: "$imagine", threadRoot: nil, userID: "@alice:example.org")
        try await BridgeHarness.with(flavor: .trueai, callbacks: false, bridge: {
            $0.routeTargets = RouteTargetRules(networks: [BridgeHarness.network], matrixNetworks: ["mx"])
        }) { h in
            var event = ChatEvent(network: "mx", target: .channel(room), sender: "Alice A.", account: "@alice:example.org",
                                  text: "!imagine \(Self.prompt)", botNick: "mjb", caseMapping: .ascii)
            event.replyTo = reply
            await h.sim.controls.loseSubmitAnswers(1, heldFor: .seconds(3600))
            let command = Task { await h.hear(event) }
            let deadline = ContinuousClock.now.advanced(by: .seconds(60))
            while await h.sim.controls.stats().submitAnswersLost < 1 {
                try #require(ContinuousClock.now < deadline, "the submit never reached the simulator")
                try await Task.sleep(for: .milliseconds(10))
            }
            try await h.restart()
            command.cancel()
            await command.value
            #expect(try await h.store.pendingTasks().isEmpty, "the dead run recorded no task")

            await h.bridge.tracker.recover()
            let task = try #require(try await h.store.pendingTasks().first, "adopted from GET /mj/task/list")
            #expect(task.network == "mx" && task.channel == room && task.nick == "Alice A." && task.account == "@alice:example.org")
            await h.sim.runUntilIdle()
            await h.bridge.tracker.poll(everything: true)
            await h.bridge.deliverySettled()
            let said = await h.transport.sent.filter { $0.text.contains("✅") }
            #expect(said.count == 1, "\(said)")
            #expect(said.first?.network == "mx" && said.first?.target == room && said.first?.replyTo == reply)
            #expect(await lostLines(h).isEmpty)
        }
    }

    @Test func withoutATaskListTheUserIsToldOnceAfterTheGracePeriodAcrossRestarts() async throws {
        try await BridgeHarness.with(flavor: .novicezk, callbacks: false) { h in
            await h.sim.controls.setTaskListAvailable(false)
            try await Self.crashAfterTheProxyAccepted(h)
            let intent = try #require(try await h.store.openIntents(createdUpTo: .distantFuture).first)
            await h.bridge.tracker.recover()
            #expect(await lostLines(h).isEmpty, "a callback may still come: not yet")
            h.clock.advance(by: h.configuration.intentGracePeriod - 1)
            await h.bridge.tracker.reconcileIntents(minimumAge: 60)
            #expect(await lostLines(h).isEmpty)
            #expect(try await h.store.intent(id: intent.id)?.state == .open)

            h.clock.advance(by: 2)
            await h.bridge.tracker.reconcileIntents(minimumAge: 60)
            #expect(await lostLines(h) == [Self.lostLine])
            #expect(try await h.store.intent(id: intent.id)?.state == .lost)

            await h.bridge.tracker.reconcileIntents(minimumAge: 0)
            try await h.restart()
            await h.bridge.tracker.recover()
            h.clock.advance(by: 3600)
            await h.bridge.tracker.reconcileIntents(minimumAge: 60)
            #expect(await lostLines(h) == [Self.lostLine], "exactly once, also after a second restart")
        }
    }

    @Test func openIntentsShowInPendingAndEachLostOneIsCountedOnce() async throws {
        try await BridgeHarness.with(flavor: .novicezk, callbacks: false) { h in
            await h.sim.controls.setTaskListAvailable(false)
            try await Self.crashAfterTheProxyAccepted(h)
            h.clock.advance(by: 125)
            await h.say("!pending", as: "root", account: "root")
            let report = await h.lastLine
            #expect(report.contains(" · 1 submission without a task id yet (being looked for), the oldest for 2 min 5 s · "), "\(report)")

            // Given up on by a bridge that counts it: once, however often the check runs.
            let lost = Mutex(0)
            var logger = Logger(label: "intent-metrics")
            logger.logLevel = .critical
            let counting = ChatBridge(configuration: h.configuration, client: h.client, store: h.store, transport: h.transport,
                                      imageFetcher: h.fetcher, clock: h.clock.bridgeClock,
                                      metrics: BridgeMetrics(intentLost: { lost.withLock { $0 += 1 } }), logger: logger)
            h.clock.advance(by: h.configuration.intentGracePeriod + 1)
            await counting.tracker.reconcileIntents(minimumAge: 60)
            await counting.tracker.reconcileIntents(minimumAge: 60)
            await counting.deliverySettled()
            await counting.shutdown()
            #expect(lost.withLock { $0 } == 1)
            #expect(await lostLines(h) == [Self.lostLine])
            await h.say("!pending", as: "root", account: "root")
            let after = await h.lastLine
            #expect(!after.contains("submission"), "\(after)")
        }
    }

    @Test func aCallbackWhoseSignedStateNamesTheIntentAdoptsItAsTheSubmission() async throws {
        try await BridgeHarness.with(flavor: .trueai, callbacks: true) { h in
            await h.sim.controls.setTaskListAvailable(false)
            try await Self.crashAfterTheProxyAccepted(h)
            let intent = try #require(try await h.store.openIntents(createdUpTo: .distantFuture).first)
            await h.bridge.tracker.recover()
            #expect(try await h.store.pendingTasks().isEmpty, "no task list: only a callback can find it")

            await h.finishJobs()
            let said = await results(h)
            #expect(said.count == 1 && said.first?.contains("«a lost fox»") == true, "\(said)")
            let closed = try #require(try await h.store.intent(id: intent.id))
            #expect(closed.state == .accepted && closed.acceptedTaskIds.count == 1)
            let task = try #require(try await h.store.task(id: closed.acceptedTaskIds[0]))
            #expect(task.kind == "imagine" && task.prompt == Self.prompt && task.userKey == intent.userKey)

            h.clock.advance(by: 3600)
            await h.bridge.tracker.reconcileIntents(minimumAge: 60)
            #expect(await lostLines(h).isEmpty)
            #expect(await results(h).count == 1)
        }
    }

    /// No crash: the answer is lost (a 504 after the proxy took the job). The user hears the
    /// job may still come; the next round finds it in the task list and the result follows.
    @Test func anAmbiguousAnswerLeavesTheIntentOpenAndTheNextRoundFindsTheJob() async throws {
        try await BridgeHarness.with(flavor: .novicezk, callbacks: false) { h in
            await h.sim.controls.loseSubmitAnswers(1, heldFor: .zero)
            await h.say("!imagine \(Self.prompt)")
            let answer = await h.lastLine
            #expect(answer.contains("did not confirm the job (HTTP 504)"), "\(answer)")
            let open = try await h.store.openIntents(createdUpTo: .distantFuture)
            #expect(open.count == 1)
            // Younger than the check age: left alone, its submit could still be in flight.
            await h.bridge.tracker.reconcileIntents(minimumAge: h.configuration.intentCheckAge)
            let untouched = try await h.store.pendingTasks()
            #expect(untouched.isEmpty)
            h.clock.advance(by: h.configuration.intentCheckAge + 1)
            await h.bridge.tracker.reconcileIntents(minimumAge: h.configuration.intentCheckAge)
            let adopted = try await h.store.pendingTasks()
            #expect(adopted.count == 1)
            await h.sim.runUntilIdle()
            await h.bridge.tracker.poll(everything: true)
            #expect(await results(h).count == 1)
            let stillOpen = try await h.store.openIntents(createdUpTo: .distantFuture)
            #expect(stillOpen.isEmpty)
        }
    }

    /// A refused submit closes its intent: nothing is looked for, nobody is told "lost".
    @Test func aRefusedSubmitClosesItsIntent() async throws {
        try await BridgeHarness.with(flavor: .novicezk, callbacks: false) { h in
            await h.say("!imagine a badword fox")
            let answer = await h.lastLine
            #expect(answer.contains("refuses that prompt"), "\(answer)")
            let open = try await h.store.openIntents(createdUpTo: .distantFuture)
            #expect(open.isEmpty)
            h.clock.advance(by: 3600)
            await h.bridge.tracker.reconcileIntents(minimumAge: 60)
            #expect(await lostLines(h).isEmpty)
        }
    }

    /// An accepted submit is recorded with its intent closed in the same transaction, and the
    /// intent id travels in the task's signed state.
    @Test func anAcceptedSubmitClosesItsIntentAndSignsItsIdIntoTheState() async throws {
        try await BridgeHarness.with(callbacks: false) { h in
            await h.say("!imagine a found fox")
            let ref = try #require(BridgeHarness.ref(in: await h.lastLine))
            let id = try #require(try await h.taskId(ref: ref))
            let json = try #require(await h.sim.controls.taskJSON(id))
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            guard case .valid(let signed) = SignedRouteState.verify(object["state"] as? String, with: BridgeHarness.stateKey),
                  let intentId = signed.intent else {
                Issue.record("no signed intent in \(json)")
                return
            }
            let intent = try #require(try await h.store.intent(id: intentId))
            #expect(intent.state == .accepted && intent.acceptedTaskIds == [id] && intent.prompt == "a found fox")
        }
    }
}
