import Foundation
import Logging
import Testing
@testable import Bridge
import Store

/// For tests that must not poll: any request is a test failure.
struct NoPollingExpected: TaskSource {
    func tasks(ids: [String]) async throws -> [TaskSnapshot] {
        Issue.record("unexpected poll for \(ids)")
        return []
    }
}

/// A tracker on a real SQLite file with a recording transport.
struct TrackerHarness {
    let dir: TemporaryDirectory
    let store: SQLiteStore
    let transport: RecordingTransport
    let clock: ManualClock
    let tracker: TaskTracker
    let delivery: OutboxDelivery
    var configuration: BridgeConfiguration

    init(configuration: BridgeConfiguration = BridgeConfiguration(), dir: TemporaryDirectory? = nil,
         transport: RecordingTransport = RecordingTransport(), clock: ManualClock = ManualClock()) throws {
        self.dir = try dir ?? TemporaryDirectory()
        self.store = try SQLiteStore.open(path: self.dir.databasePath)
        self.transport = transport
        self.clock = clock
        self.configuration = configuration
        self.delivery = OutboxDelivery(store: store, transport: transport, now: { [clock] in clock.now }, logger: Logger(label: "test"))
        self.tracker = TaskTracker(store: store, delivery: delivery, source: NoPollingExpected(), configuration: configuration,
                                   clock: clock.bridgeClock, logger: Logger(label: "test"))
    }

    /// What the transport was given once the delivery workers finished with every line
    /// committed so far.
    var texts: [String] { get async { await delivery.settled(); return await transport.texts } }
    var sent: [OutgoingChat] { get async { await delivery.settled(); return await transport.sent } }

    func start(_ id: String, prompt: String = "a red fox in snow", route: TaskRoute = TaskRoute(network: "net", channel: "#art", nick: "alice")) async throws {
        let now = clock.now
        let record = TaskRecord(id: id, route: route, kind: "imagine", prompt: prompt, status: "SUBMITTED", statusRank: 1,
                                createdAt: now, deadline: now.addingTimeInterval(configuration.taskDeadline))
        try await tracker.track(record, lines: [])
    }
}

func gridButtons(_ hash: String = "0ddb91a0") -> [TaskButton] {
    (1...4).map { TaskButton(customId: "MJ::JOB::upsample::\($0)::\(hash)", label: "U\($0)") }
        + [TaskButton(customId: "MJ::JOB::reroll::0::\(hash)::SOLO", emoji: "🔄")]
        + (1...4).map { TaskButton(customId: "MJ::JOB::variation::\($0)::\(hash)", label: "V\($0)") }
}

@Suite struct TaskTrackerTests {
    @Test func successIsAnnouncedOnceWithTheButtonsItHas() async throws {
        let h = try TrackerHarness()
        try await h.start("1748339029401828")
        let success = TaskSnapshot(id: "1748339029401828", action: "IMAGINE", status: "SUCCESS", progress: 100,
                                   imageUrl: "https://cdn.example/x.png", buttons: gridButtons())
        #expect(await h.tracker.apply(success) == .applied)
        #expect(await h.tracker.apply(success) == .duplicateOrStale)
        #expect(await h.tracker.apply(TaskSnapshot(id: "1748339029401828", status: "IN_PROGRESS", progress: 50)) == .duplicateOrStale)
        #expect(await h.texts == ["alice: ✅ «a red fox in snow» → https://cdn.example/x.png · ref 1828 · next: !u1–4 !v1–4 !reroll"])
        let stored = try #require(try await h.store.task(id: "1748339029401828"))
        #expect(stored.isTerminal)
        #expect(TaskButton.decode(stored.buttonsJSON) == gridButtons())
    }

    @Test func reorderedReportsNeverGoBackwards() async throws {
        let h = try TrackerHarness(configuration: BridgeConfiguration(defaultProgress: .off))
        try await h.start("1001")
        #expect(await h.tracker.apply(TaskSnapshot(id: "1001", status: "IN_PROGRESS", progress: 62)) == .applied)
        #expect(await h.tracker.apply(TaskSnapshot(id: "1001", status: "IN_PROGRESS", progress: 31)) == .duplicateOrStale)
        #expect(await h.tracker.apply(TaskSnapshot(id: "1001", status: "SUBMITTED", progress: 0)) == .duplicateOrStale)
        #expect(try await h.store.task(id: "1001")?.progress == 62)
        #expect(await h.texts.isEmpty)
    }

    @Test func progressFollowsTheChannelPolicyAndThrottle() async throws {
        var configuration = BridgeConfiguration(defaultProgress: .off)
        configuration.setProgress(.quarter, network: "net", channel: "#ART")
        let h = try TrackerHarness(configuration: configuration)
        try await h.start("2001")
        try await h.start("2002", route: TaskRoute(network: "net", channel: "#quiet", nick: "bob"))
        for (step, progress) in [15, 31, 46, 62, 78, 93].enumerated() {
            if step > 0 { h.clock.advance(by: 10) }
            await h.tracker.apply(TaskSnapshot(id: "2001", status: "IN_PROGRESS", progress: progress))
            await h.tracker.apply(TaskSnapshot(id: "2002", status: "IN_PROGRESS", progress: progress))
            // Said before the next report (an unsent progress line is superseded by a newer one).
            await h.delivery.settled()
        }
        // 31 % at t=10 → 25; 46 % at t=20 is the same quarter; 62 % at t=30 → 50;
        // 78 % at t=40 is only 10 s later: held; 93 % at t=50 → 75.
        #expect(await h.texts == ["alice: ⏳ ref 2001 at 25 %", "alice: ⏳ ref 2001 at 50 %", "alice: ⏳ ref 2001 at 75 %"])
    }

    @Test func startedPolicySaysItOnce() async throws {
        let h = try TrackerHarness(configuration: BridgeConfiguration(defaultProgress: .started))
        try await h.start("3001", route: TaskRoute(network: "net", channel: nil, nick: "alice"))
        await h.tracker.apply(TaskSnapshot(id: "3001", status: "SUBMITTED", progress: 0))
        await h.tracker.apply(TaskSnapshot(id: "3001", status: "IN_PROGRESS", progress: 15))
        h.clock.advance(by: 60)
        await h.tracker.apply(TaskSnapshot(id: "3001", status: "IN_PROGRESS", progress: 46))
        let sent = await h.sent
        #expect(sent.map { OutgoingChat(network: $0.network, target: $0.target, text: $0.text, style: $0.style) }
            == [OutgoingChat(network: "net", target: "alice", text: "⏳ ref 3001 started")])
    }

    @Test func failuresAreSaidPlainly() async throws {
        let h = try TrackerHarness()
        try await h.start("4001")
        await h.tracker.apply(TaskSnapshot(id: "4001", status: "FAILURE", failReason: "可能包含敏感词"))
        try await h.start("4002", prompt: "a cat")
        await h.tracker.apply(TaskSnapshot(id: "4002", status: "FAILURE", failReason: "[Invalid parameter]\r\nPRIVMSG #x :pwned"))
        #expect(await h.texts == [
            "alice: ❌ «a red fox in snow» failed: Midjourney flagged the prompt · ref 4001",
            "alice: ❌ «a cat» failed: [Invalid parameter] PRIVMSG #x :pwned · ref 4002",
        ])
    }

    @Test func unknownTasksAreIgnoredUnlessTheirStateIsSignedAndRoutesThem() async throws {
        let key = RouteStateKey(callbackSecret: "tracker-test-secret")
        var configuration = BridgeConfiguration()
        configuration.routeStateKey = key
        configuration.routeTargets = RouteTargetRules(networks: ["net"])
        let h = try TrackerHarness(configuration: configuration)
        #expect(await h.tracker.apply(TaskSnapshot(id: "5001", status: "SUCCESS", imageUrl: "https://x/y.png")) == .unknownTask)
        #expect(await h.tracker.apply(TaskSnapshot(id: "5002", status: "SUCCESS", imageUrl: "https://x/y.png", state: "someone else's")) == .unknownTask)
        // The old unsigned format routes nothing any more.
        #expect(await h.tracker.apply(TaskSnapshot(id: "5004", status: "SUCCESS", imageUrl: "https://x/y.png", state: "mjb1 net #art carol")) == .unknownTask)
        // Signed with another key, or for a network that is not configured: not adopted.
        let foreign = SignedRouteState(route: TaskRoute(network: "net", channel: "#art", nick: "carol"))
            .encoded(with: RouteStateKey(callbackSecret: "another bot"))
        #expect(await h.tracker.apply(TaskSnapshot(id: "5005", status: "SUCCESS", imageUrl: "https://x/y.png", state: foreign)) == .unknownTask)
        let elsewhere = SignedRouteState(route: TaskRoute(network: "othernet", channel: "#art", nick: "carol")).encoded(with: key)
        #expect(await h.tracker.apply(TaskSnapshot(id: "5006", status: "SUCCESS", imageUrl: "https://x/y.png", state: elsewhere)) == .unknownTask)
        #expect(try await h.store.task(id: "5005") == nil)
        #expect(try await h.store.task(id: "5006") == nil)
        let state = SignedRouteState(route: TaskRoute(network: "net", channel: "#art", nick: "carol")).encoded(with: key)
        #expect(await h.tracker.apply(TaskSnapshot(id: "5003", action: "IMAGINE", status: "SUCCESS", prompt: "a boat",
                                                   imageUrl: "https://x/b.png", state: state)) == .applied)
        #expect(await h.texts == ["carol: ✅ «a boat» → https://x/b.png · ref 5003"])
    }

    @Test func aTaskWithoutResultTimesOutOnceAtItsDeadline() async throws {
        let h = try TrackerHarness(configuration: BridgeConfiguration(taskDeadline: 15 * 60))
        try await h.start("6001")
        await h.tracker.apply(TaskSnapshot(id: "6001", status: "IN_PROGRESS", progress: 46))
        h.clock.advance(by: 15 * 60 - 1)
        await h.tracker.expireOverdue()
        #expect(await h.texts == ["alice: ⏳ ref 6001 started"])
        h.clock.advance(by: 1)
        await h.tracker.expireOverdue()
        await h.tracker.expireOverdue()
        #expect(await h.texts == [
            "alice: ⏳ ref 6001 started",
            "alice: ⏱ «a red fox in snow» got no result within 15 min (last seen at 46 %) · ref 6001 — !status 6001 checks again",
        ])
        // Progress after the timeout is not news; a result still is, once.
        #expect(await h.tracker.apply(TaskSnapshot(id: "6001", status: "IN_PROGRESS", progress: 62)) == .duplicateOrStale)
        #expect(await h.tracker.apply(TaskSnapshot(id: "6001", status: "SUCCESS", imageUrl: "https://x")) == .applied)
        #expect(await h.tracker.apply(TaskSnapshot(id: "6001", status: "SUCCESS", imageUrl: "https://x")) == .duplicateOrStale)
        #expect(await h.tracker.apply(TaskSnapshot(id: "6001", status: "FAILURE", failReason: "late")) == .duplicateOrStale)
        #expect(await h.texts.last == "alice: ✅ «a red fox in snow» → https://x · ref 6001")
        #expect(await h.texts.count == 3)
    }

    @Test func resultsForChannelsTheBotIsNotInWaitForTheRejoin() async throws {
        let transport = RecordingTransport(joinedToAllChannels: false)
        let h = try TrackerHarness(configuration: BridgeConfiguration(defaultProgress: .off), transport: transport)
        try await h.start("7001")
        await h.tracker.apply(TaskSnapshot(id: "7001", status: "SUCCESS", imageUrl: "https://x/z.png"))
        #expect(await h.texts.isEmpty)
        await transport.join(network: "net", channel: "#art")
        await h.delivery.channelAccessChanged(network: "net", channel: "#art")
        #expect(await h.texts == ["alice: ✅ «a red fox in snow» → https://x/z.png · ref 7001"])
    }

    @Test func aResultQueuedBeforeACrashIsSentOnceAfterRestart() async throws {
        let dir = try TemporaryDirectory()
        let downTransport = RecordingTransport()
        await downTransport.setDown(true)
        do {
            let first = try TrackerHarness(configuration: BridgeConfiguration(defaultProgress: .off), dir: dir, transport: downTransport)
            try await first.start("8001")
            await first.tracker.apply(TaskSnapshot(id: "8001", status: "SUCCESS", imageUrl: "https://x/r.png"))
            await first.delivery.settled()
            await first.delivery.shutdown()
        }
        let second = try TrackerHarness(configuration: BridgeConfiguration(defaultProgress: .off), dir: dir)
        await second.tracker.recover()
        await second.tracker.recover()
        #expect(await second.texts == ["alice: ✅ «a red fox in snow» → https://x/r.png · ref 8001"])
        #expect(await downTransport.texts.isEmpty)
    }
}
