import Foundation
import Logging
import Testing
@testable import Bridge
import Store

/// The delivery workers on a real SQLite file: order, holds, dead letters, offsets, restarts.
@Suite struct OutboxDeliveryTests {
    let t0 = Date(timeIntervalSince1970: 1_748_339_000)

    func line(_ text: String, target: String = "#art", network: String = "net") -> OutboxLine {
        OutboxLine(network: network, target: target, isChannel: target.hasPrefix("#"), text: text,
                   style: "notice", createdAt: t0)
    }

    func makeStore() throws -> (SQLiteStore, TemporaryDirectory) {
        let dir = try TemporaryDirectory()
        return (try SQLiteStore.open(path: dir.databasePath), dir)
    }

    func makeDelivery(_ store: SQLiteStore, _ transport: any ChatTransport, clock: ManualClock? = nil,
                  policy: DeliveryPolicy = DeliveryPolicy(), logger: Logger = Logger(label: "test")) -> OutboxDelivery {
        let clock = clock ?? ManualClock(t0)
        return OutboxDelivery(store: store, transport: transport, policy: policy, now: { clock.now }, logger: logger)
    }

    /// Wakes every network that owes lines and waits for the workers' rounds.
    func round(_ delivery: OutboxDelivery) async {
        await delivery.wake()
        await delivery.settled()
    }

    // MARK: Order and once

    @Test func linesGoOutOnceInOrder() async throws {
        let (store, dir) = try makeStore()
        _ = dir
        let transport = RecordingTransport()
        let delivery = makeDelivery(store, transport)
        try await store.enqueue([line("one"), line("two", target: "alice")])
        await round(delivery)
        await round(delivery)
        let sent = await transport.sent
        // Owed lines carry their outbox id (Matrix derives its transaction id from it).
        #expect(sent == [OutgoingChat(network: "net", target: "#art", text: "one", style: .notice, outboxLineID: 1),
                         OutgoingChat(network: "net", target: "alice", text: "two", style: .notice, outboxLineID: 2)])
        #expect(try await store.unsentLines().isEmpty)
        await delivery.shutdown()
    }

    @Test func concurrentWakesDoNotDoubleSend() async throws {
        let (store, dir) = try makeStore()
        _ = dir
        let transport = RecordingTransport()
        let delivery = makeDelivery(store, transport)
        try await store.enqueue((1...20).map { line("line \($0)") })
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<8 { group.addTask { await delivery.wake(network: i % 2 == 0 ? "net" : nil) } }
        }
        await delivery.settled()
        #expect(await transport.texts == (1...20).map { "line \($0)" })
        await delivery.shutdown()
    }

    /// Marks are committed in batches behind the worker: rounds that read the outbox while a
    /// mark is on the way, or just before it committed, must still not send the line again.
    @Test func linesAddedAndWokenForWhileMarksAreOnTheWayGoOutOnce() async throws {
        let (store, dir) = try makeStore()
        _ = dir
        let transport = RecordingTransport()
        let delivery = makeDelivery(store, transport)
        for batch in 0..<20 {
            try await store.enqueue((0..<10).map { line("line \(batch * 10 + $0)") })
            await delivery.wake(network: "net")
        }
        await delivery.settled()
        let texts = await transport.sent.map(\.text)
        #expect(texts.count == 200, "\(texts.count) lines sent")
        #expect(Set(texts).count == texts.count, "a line went out twice")
        #expect(try await store.unsentLines().isEmpty)
        await delivery.shutdown()
    }

    @Test func eachNetworkHasItsOwnWorker() async throws {
        let (store, dir) = try makeStore()
        _ = dir
        let transport = ScriptedTransport()
        await transport.hang("#stuck")
        let delivery = makeDelivery(store, transport)
        try await store.enqueue([line("stuck", target: "#stuck", network: "slow"), line("free", network: "fast")])
        await delivery.wake()
        // The slow network's worker waits on its server; the other network's line goes out.
        #expect(await transport.waitForAttempts(2))
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        while try await store.unsentLines().count > 1, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(try await store.unsentLines().map(\.text) == ["stuck"])
        await transport.release()
        await delivery.settled()
        #expect(await transport.wire == ["free", "stuck"])
        await delivery.shutdown()
    }

    // MARK: Waiting for the channel

    @Test func channelLinesWaitUntilTheBotIsInTheChannel() async throws {
        let (store, dir) = try makeStore()
        _ = dir
        let transport = RecordingTransport(joinedToAllChannels: false)
        let delivery = makeDelivery(store, transport)
        try await store.enqueue([line("held"), line("private", target: "alice")])
        await round(delivery)
        #expect(await transport.texts == ["private"])
        let held = try #require(try await store.unsentLines().first)
        #expect(held.heldSince == t0 && held.heldReason == "the bot is not in #art (yet)")
        #expect(try await store.outboxSummary().held == 1)
        await transport.join(network: "net", channel: "#ART")
        await delivery.channelAccessChanged(network: "net", channel: "#Art")
        await delivery.settled()
        #expect(await transport.texts == ["private", "held"])
        #expect(try await store.outboxSummary() == OutboxSummary(owed: 0, held: 0, deadLettered: 0, oldestHeld: [], oldestDeadLettered: []))
        await delivery.shutdown()
    }

    @Test func aChannelTheBotNoLongerWantsDeadLettersItsLines() async throws {
        let (store, dir) = try makeStore()
        _ = dir
        let transport = ScriptedTransport()
        await transport.setStatus(.notWanted, of: "#gone")
        await transport.setStatus(.waiting, of: "#later")
        let delivery = makeDelivery(store, transport)
        try await store.enqueue([line("lost", target: "#gone"), line("waits", target: "#later"), line("fine", target: "bob")])
        await round(delivery)
        #expect(await transport.wire == ["fine"])
        let summary = try await store.outboxSummary()
        #expect(summary.owed == 0 && summary.held == 1 && summary.deadLettered == 1)
        #expect(summary.oldestDeadLettered.first?.deadLetterReason == "the bot no longer wants to be in #gone (left, or not configured)")
        // Given up on for good: never tried again.
        await round(delivery)
        #expect(await transport.attempts.count == 1)
        await delivery.shutdown()
    }

    // MARK: Refusals

    @Test func aRefusedChannelHoldsItsLinesWhileOtherTargetsDeliver() async throws {
        let (store, dir) = try makeStore()
        _ = dir
        let transport = ScriptedTransport()
        let refusal = DeliveryRefusal(.cannotSendToChannel, reason: "Cannot send to channel (+m)")
        await transport.always(.refused(refusal, confirmedOffset: 0), for: "#mod")
        let log = LogRecorder()
        let delivery = makeDelivery(store, transport, logger: log.logger)
        try await store.enqueue([line("m1", target: "#mod"), line("a1", target: "alice"), line("m2", target: "#mod"),
                                 line("c1", target: "#art")])
        await round(delivery)
        #expect(await transport.wire == ["a1", "c1"])
        // The first line was refused; the second waits behind it without being tried.
        #expect(await transport.attempts(for: "#mod").map(\.text) == ["m1"])
        let held = try await store.unsentLines()
        #expect(held.map(\.text) == ["m1", "m2"])
        #expect(held.allSatisfy { $0.heldSince == t0 && $0.heldReason == "Cannot send to channel (+m)" })
        #expect(held.map(\.attempts) == [1, 0])
        // Woken again (another line committed) before the retry time: no new attempt, no new log line.
        try await store.enqueue([line("m3", target: "#mod")])
        await round(delivery)
        #expect(await transport.attempts(for: "#mod").count == 1)
        #expect(log.matching("holding lines").count == 1, "\(log.lines.withLock { $0 })")

        // Voice: the channel's access changed, its lines go out in order.
        await transport.always(nil, for: "#mod")
        await delivery.channelAccessChanged(network: "net", channel: "#MOD")
        await delivery.settled()
        #expect(await transport.wire == ["a1", "c1", "m1", "m2", "m3"])
        #expect(try await store.unsentLines().isEmpty)
        await delivery.shutdown()
    }

    @Test func aNickThatIsGoneBacksOffThenDelivers() async throws {
        let (store, dir) = try makeStore()
        _ = dir
        let clock = ManualClock(t0)
        let transport = ScriptedTransport()
        await transport.queue([.refused(DeliveryRefusal(.noSuchTarget, reason: "No such nick"), confirmedOffset: 0)], for: "carol")
        let delivery = makeDelivery(store, transport, clock: clock, policy: DeliveryPolicy(refusalBackoff: 60))
        try await store.enqueue([line("for carol", target: "carol")])
        await round(delivery)
        #expect(await transport.wire.isEmpty)
        clock.advance(by: 59)
        await round(delivery)
        #expect(await transport.attempts.count == 1, "not before the backoff")
        clock.advance(by: 1)
        await round(delivery)
        #expect(await transport.wire == ["for carol"])
        await delivery.shutdown()
    }

    @Test func aPermanentRefusalDeadLettersWithoutBlockingALaterValidLine() async throws {
        let (store, dir) = try makeStore()
        _ = dir
        let transport = ScriptedTransport()
        await transport.always(.refused(DeliveryRefusal(.invalidTarget, reason: "Erroneous nickname"), confirmedOffset: 0), for: "bad,nick")
        let log = LogRecorder()
        let delivery = makeDelivery(store, transport, logger: log.logger)
        try await store.enqueue([line("poison", target: "bad,nick"), line("valid", target: "alice"), line("also", target: "#art")])
        await round(delivery)
        #expect(await transport.wire == ["valid", "also"])
        let summary = try await store.outboxSummary()
        #expect(summary.owed == 0 && summary.held == 0 && summary.deadLettered == 1)
        let dead = try #require(summary.oldestDeadLettered.first)
        #expect(dead.text == "poison" && dead.deadLetteredAt == t0 && dead.deadLetterReason == "refused: Erroneous nickname")
        #expect(dead.sentAt == nil)
        await round(delivery)
        #expect(await transport.attempts(for: "bad,nick").count == 1)
        #expect(log.matching("gave up on a line").count == 1)
        await delivery.shutdown()
    }

    @Test func aLineRefusedTooOftenIsDeadLettered() async throws {
        let (store, dir) = try makeStore()
        _ = dir
        let transport = ScriptedTransport()
        await transport.always(.refused(DeliveryRefusal(.cannotSendToChannel, reason: "banned"), confirmedOffset: 0), for: "#ban")
        let delivery = makeDelivery(store, transport, policy: DeliveryPolicy(maxRefusals: 2))
        try await store.enqueue([line("x", target: "#ban")])
        for _ in 0..<4 {
            await delivery.channelAccessChanged(network: "net", channel: "#ban")
            await delivery.settled()
        }
        #expect(await transport.attempts.count == 3)
        let dead = try #require(try await store.outboxSummary().oldestDeadLettered.first)
        #expect(dead.deadLetterReason == "refused 3 times: banned")
        await delivery.shutdown()
    }

    @Test func aLineHeldPastTheHoldTimeIsDeadLettered() async throws {
        let (store, dir) = try makeStore()
        _ = dir
        let clock = ManualClock(t0)
        let transport = ScriptedTransport()
        await transport.always(.refused(DeliveryRefusal(.cannotSendToChannel, reason: "+m"), confirmedOffset: 0), for: "#mod")
        let delivery = makeDelivery(store, transport, clock: clock, policy: DeliveryPolicy(holdHours: 24))
        try await store.enqueue([line("old", target: "#mod")])
        await round(delivery)
        clock.advance(by: 12 * 3600)
        try await store.enqueue([line("newer", target: "#mod")])
        await round(delivery)
        clock.advance(by: 12 * 3600 - 1)
        await round(delivery)
        #expect(try await store.outboxSummary().deadLettered == 0)
        clock.advance(by: 1)
        await round(delivery)
        let summary = try await store.outboxSummary()
        // The first line was held 24 h; the second only 12 h and still waits.
        #expect(summary.deadLettered == 1 && summary.held == 1)
        #expect(summary.oldestDeadLettered.first?.text == "old")
        #expect(summary.oldestDeadLettered.first?.deadLetterReason == "held for more than 24 h: +m")
        #expect(await transport.wire.isEmpty)
        await delivery.shutdown()
    }

    // MARK: Interruptions and offsets

    @Test func anInterruptedReplyResumesFromItsOffset() async throws {
        let (store, dir) = try makeStore()
        _ = dir
        let transport = ScriptedTransport()
        let reply = "first piece · second piece · third piece"
        let firstPiece = "first piece · ".utf8.count
        await transport.queue([.interrupted(confirmedOffset: firstPiece)], for: "#art")
        let delivery = makeDelivery(store, transport)
        try await store.enqueue([line(reply), line("after")])
        await round(delivery)
        // The connection dropped after the first piece: the round stops, the offset is kept.
        #expect(await transport.wire == ["first piece · "])
        #expect(try await store.unsentLines().map(\.confirmedOffset) == [firstPiece, 0])
        await delivery.wake(network: "net") // the network registered again
        await delivery.settled()
        #expect(await transport.wire == ["first piece · ", "second piece · third piece", "after"])
        #expect(await transport.attempts(for: "#art").map(\.offset) == [0, firstPiece, 0])
        await delivery.shutdown()
    }

    @Test func anInterruptedNetworkIsRetriedAfterTheBackoffUnwoken() async throws {
        let (store, dir) = try makeStore()
        _ = dir
        let transport = ScriptedTransport()
        await transport.queue([.interrupted(confirmedOffset: 0), .interrupted(confirmedOffset: 0)], for: "alice")
        let delivery = makeDelivery(store, transport, policy: DeliveryPolicy(interruptedRetry: .milliseconds(20)))
        try await store.enqueue([line("eventually", target: "alice")])
        await delivery.wake()
        // Nobody wakes the worker again: its own timer does, until the line is confirmed.
        #expect(await transport.waitForAttempts(3))
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        while try await !store.unsentLines().isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(await transport.wire == ["eventually"])
        #expect(await transport.attempts.count == 3)
        await delivery.shutdown()
    }

    @Test func aLineThatBreaksTheConnectionEveryTimeDoesNotBlockOtherTargets() async throws {
        let (store, dir) = try makeStore()
        _ = dir
        let transport = ScriptedTransport()
        // Every attempt at the poison line ends the connection (a server filter that kills us).
        await transport.always(.interrupted(confirmedOffset: 0), for: "#filtered")
        let delivery = makeDelivery(store, transport, policy: DeliveryPolicy(interruptedRetry: .milliseconds(20)))
        try await store.enqueue([line("poison", target: "#filtered"), line("for bob", target: "bob"), line("for art")])
        await delivery.wake()
        // The poison line went first and broke the round; the next rounds send the others first.
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        while try await store.unsentLines().count > 1, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        let unsent = try await store.unsentLines().map(\.text)
        #expect(unsent == ["poison"], "other targets delivered despite the poison line: \(unsent)")
        #expect(await transport.wire.sorted() == ["for art", "for bob"])
        await delivery.shutdown()
    }

    @Test func failedSendsStayQueuedAndKeepTheirOrder() async throws {
        let (store, dir) = try makeStore()
        _ = dir
        let transport = RecordingTransport()
        let delivery = makeDelivery(store, transport)
        try await store.enqueue([line("a"), line("b"), line("c", network: "other")])
        await transport.setDown(true)
        await round(delivery)
        #expect(await transport.texts.isEmpty)
        #expect(try await store.unsentLines().count == 3)
        #expect(try await store.outboxSummary().held == 0, "a connection that is down holds nothing")
        await transport.setDown(false)
        await round(delivery)
        #expect(await transport.texts.sorted() == ["a", "b", "c"])
        #expect(await transport.texts.filter { $0 != "c" } == ["a", "b"])
        await delivery.shutdown()
    }

    @Test func aRestartResumesFromTheStoredOffsets() async throws {
        let dir = try TemporaryDirectory()
        let reply = "piece one / piece two"
        let cut = "piece one / ".utf8.count
        do {
            let store = try SQLiteStore.open(path: dir.databasePath)
            let transport = ScriptedTransport()
            await transport.always(.interrupted(confirmedOffset: cut), for: "#art")
            let first = makeDelivery(store, transport)
            try await store.enqueue([line(reply), line("owed", target: "bob")])
            await round(first)
            await first.shutdown()
            // Cut off after the first piece: the round ends there, the next line waits.
            #expect(await transport.wire == ["piece one / "])
        }
        let store = try SQLiteStore.open(path: dir.databasePath)
        let transport = ScriptedTransport()
        let second = makeDelivery(store, transport)
        await round(second)
        #expect(await transport.attempts == [ScriptedTransport.Attempt(target: "#art", text: reply, offset: cut),
                                            ScriptedTransport.Attempt(target: "bob", text: "owed", offset: 0)])
        #expect(await transport.wire == ["piece two", "owed"])
        #expect(try await store.unsentLines().isEmpty)
        await second.shutdown()
    }

    @Test func aDeliveryThatNeverReturnsTimesOut() async throws {
        let (store, dir) = try makeStore()
        _ = dir
        let transport = ScriptedTransport()
        await transport.hang("#art")
        let delivery = OutboxDelivery(store: store, transport: transport,
                                      policy: DeliveryPolicy(sendTimeout: .milliseconds(50), withdrawTimeout: .milliseconds(50)),
                                      now: { [t0] in t0 }, logger: Logger(label: "test"))
        try await store.enqueue([line("slow")])
        await round(delivery)
        // Not even withdrawn in time: counted as interrupted, still owed, nothing marked.
        #expect(await transport.cancellations == 1)
        #expect(try await store.unsentLines().map(\.text) == ["slow"])
        await transport.release()
        await delivery.shutdown()
    }

    @Test func aTimedOutDeliveryIsWithdrawnAndItsAnswerWaitedForBeforeAnotherAttempt() async throws {
        let (store, dir) = try makeStore()
        _ = dir
        let transport = ScriptedTransport()
        await transport.hang("#art")
        let delivery = makeDelivery(store, transport,
                                    policy: DeliveryPolicy(interruptedRetry: .milliseconds(10), sendTimeout: .milliseconds(50),
                                                           withdrawTimeout: .seconds(60)))
        try await store.enqueue([line("slow"), line("next")])
        await delivery.wake()
        // Past the send timeout the attempt is cancelled (the IRC client then takes its queued
        // pieces back) and the worker waits for what the transport says became of it…
        #expect(await transport.waitForCancellations(1))
        // …which is that the server passed it on after all: marked sent, never attempted again.
        await transport.release()
        await delivery.settled()
        #expect(await transport.attempts(for: "#art").map(\.text) == ["slow", "next"])
        #expect(await transport.wire == ["slow", "next"])
        #expect(try await store.unsentLines().isEmpty)
        await delivery.shutdown()
    }

    @Test func aProgressLineSupersededDuringARoundIsSkipped() async throws {
        let (store, dir) = try makeStore()
        _ = dir
        let transport = ScriptedTransport()
        await transport.hang("#art")
        let delivery = makeDelivery(store, transport)
        var progress = line("⏳ ref 7 at 25 %")
        progress.taskId = "7"
        progress.isProgress = true
        try await store.enqueue([line("before"), progress])
        await delivery.wake()
        #expect(await transport.waitForAttempts(1), "the round holds both lines and waits on the first")
        // The result arrives meanwhile: the progress report is no longer worth saying.
        var result = line("✅ ref 7")
        result.taskId = "7"
        try await store.enqueue([result])
        await delivery.wake(network: "net")
        await transport.release()
        await delivery.settled()
        let wire = await transport.wire
        #expect(wire == ["before", "✅ ref 7"], "\(wire)")
        await delivery.shutdown()
    }

    @Test func shutdownReturnsWhileADeliveryHangs() async throws {
        let (store, dir) = try makeStore()
        _ = dir
        let transport = ScriptedTransport()
        await transport.hang("#art")
        let delivery = makeDelivery(store, transport)
        try await store.enqueue([line("stuck")])
        await delivery.wake()
        #expect(await transport.waitForAttempts(1))
        #expect(await returnsWithin(.seconds(60)) { await delivery.shutdown(grace: .milliseconds(50)) })
        #expect(try await store.unsentLines().map(\.text) == ["stuck"], "not confirmed: owed for the next start")
        await transport.release()
    }

    // MARK: Callers never wait

    @Test func callersReturnWhileTheTransportIsBlocked() async throws {
        let dir = try TemporaryDirectory()
        let store = try SQLiteStore.open(path: dir.databasePath)
        let transport = ScriptedTransport()
        await transport.hang("#art")
        let clock = ManualClock(t0)
        let delivery = makeDelivery(store, transport, clock: clock)
        let tracker = TaskTracker(store: store, delivery: delivery, source: NoPollingExpected(),
                                  configuration: BridgeConfiguration(defaultProgress: .off), clock: clock.bridgeClock,
                                  logger: Logger(label: "test"))
        try await store.enqueue((1...100).map { line("owed \($0)") })
        await delivery.wake()
        #expect(await transport.waitForAttempts(1), "the worker is inside deliver, which does not return")

        // A command records a job with its acknowledgement, a report about it is applied, the
        // bot joins a channel: each returns although the network's worker is stuck.
        let route = TaskRoute(network: "net", channel: "#art", nick: "alice")
        let record = TaskRecord(id: "9001", route: route, kind: "imagine", prompt: "a fox", status: "SUBMITTED", statusRank: 1,
                                createdAt: t0, deadline: t0.addingTimeInterval(900))
        let ack = OutboxLine(network: "net", target: "#art", isChannel: true, text: "alice: ⏳ a fox", style: "privmsg",
                             taskId: "9001", createdAt: t0)
        #expect(await returnsWithin(.seconds(60)) { try? await tracker.track(record, lines: [ack]) })
        #expect(await returnsWithin(.seconds(60)) {
            await tracker.apply(TaskSnapshot(id: "9001", status: "SUCCESS", imageUrl: "https://x/f.png"))
        })
        #expect(await returnsWithin(.seconds(60)) { await delivery.channelAccessChanged(network: "net", channel: "#art") })
        #expect(try await store.unsentLines().count == 102)

        await transport.release()
        await delivery.settled()
        let wire = await transport.wire
        #expect(wire.count == 102 && Array(wire.prefix(100)) == (1...100).map { "owed \($0)" }, "\(wire.suffix(3))")
        #expect(wire.last?.contains("✅") == true)
        await delivery.shutdown()
    }
}
