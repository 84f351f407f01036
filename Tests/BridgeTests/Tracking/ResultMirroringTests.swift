import Foundation
import Logging
import Store
import Testing
@testable import Bridge

/// The proxy's answers to polls, set by the test.
actor ScriptedTaskSource: TaskSource {
    private var answers: [String: TaskSnapshot] = [:]

    func set(_ snapshot: TaskSnapshot) { answers[snapshot.id] = snapshot }

    func tasks(ids: [String]) async throws -> [TaskSnapshot] {
        ids.compactMap { answers[$0] }
    }
}

/// A tracker with a `ResultImageHost` (the tests' in-memory one), on a real SQLite file.
struct MirrorTrackerHarness {
    let dir: TemporaryDirectory
    let store: SQLiteStore
    let transport = RecordingTransport()
    let clock = ManualClock()
    /// The tracker's sleeps (the mirror deadline): they end only when the test advances them.
    let timers = ManualTimers()
    let delivery: OutboxDelivery
    let source = ScriptedTaskSource()
    let host: InMemoryResultImageHost
    let tracker: TaskTracker
    let configuration: BridgeConfiguration

    init(host: InMemoryResultImageHost = InMemoryResultImageHost(), configuration: BridgeConfiguration = BridgeConfiguration(defaultProgress: .off)) throws {
        dir = try TemporaryDirectory()
        store = try SQLiteStore.open(path: dir.databasePath)
        self.host = host
        self.configuration = configuration
        delivery = OutboxDelivery(store: store, transport: transport, now: { [clock] in clock.now }, logger: Logger(label: "test"))
        tracker = TaskTracker(store: store, delivery: delivery, source: source, configuration: configuration,
                              clock: timers.bridgeClock(clock), logger: Logger(label: "test"), imageHost: host)
    }

    func start(_ id: String, kind: String = "imagine", prompt: String = "a red fox") async throws {
        let now = clock.now
        let record = TaskRecord(id: id, route: TaskRoute(network: "net", channel: "#art", nick: "alice"), kind: kind,
                                prompt: prompt, status: "SUBMITTED", statusRank: 1, createdAt: now,
                                deadline: now.addingTimeInterval(configuration.taskDeadline))
        try await tracker.track(record, lines: [])
    }

    var texts: [String] { get async { await delivery.settled(); return await transport.texts } }

    /// Lines that announce a result for the task whose short reference is `ref`.
    func results(_ ref: String) async -> [String] {
        await texts.filter { $0.contains("✅") && $0.contains("ref \(ref)") }
    }
}

func success(_ id: String, singles: Bool = true) -> TaskSnapshot {
    TaskSnapshot(id: id, action: "IMAGINE", status: "SUCCESS", progress: 100, imageUrl: "https://cdn.example/\(id).png",
                 buttons: gridButtons(), imageUrls: singles ? (1...4).map { "https://cdn.example/\(id)_\($0).png" } : [])
}

/// Mirroring before the result line is committed (issue 7), against the tests' in-memory host.
@Suite struct ResultMirroringTests {
    static let h = InMemoryResultImageHost.base

    @Test func theResultLineCarriesTheHostsFiveLinks() async throws {
        let h = try MirrorTrackerHarness()
        try await h.start("1748339029401828")
        #expect(await h.tracker.apply(success("1748339029401828")) == .applied)
        let id = "1748339029401828"
        let nb = "\u{00A0}"
        #expect(await h.texts == ["alice: ✅ «a red fox» → \(Self.h)\(id).png · 1\(nb)\(Self.h)\(id)-1.png · 2\(nb)\(Self.h)\(id)-2.png"
                                  + " · 3\(nb)\(Self.h)\(id)-3.png · 4\(nb)\(Self.h)\(id)-4.png · ref 1828 · next: !u1–4 !v1–4 !reroll"])
        // The host got the proxy's links, once; a repeat of the success is neither mirrored nor said again.
        #expect(await h.tracker.apply(success(id)) == .duplicateOrStale)
        #expect(await h.host.calls == [id])
        #expect(await h.texts.count == 1)
        // The store keeps the proxy's grid link (the fallback for !status).
        #expect(try await h.store.task(id: id)?.imageUrl == "https://cdn.example/\(id).png")
    }

    @Test func aFailedMirrorPostsTheProxysLinksOnce() async throws {
        let h = try MirrorTrackerHarness()
        await h.host.setDown(true)
        try await h.start("2001")
        await h.source.set(success("2001"))
        // Seen by a poll and by a callback's question at the same time: one job, one line.
        async let polled: Void = h.tracker.poll()
        async let hinted: Void = h.tracker.refresh(ids: ["2001"])
        _ = await (polled, hinted)
        await h.tracker.mirrorsSettled()
        let results = await h.results("2001")
        #expect(results.count == 1)
        #expect(results.first?.contains("→ https://cdn.example/2001.png · 1\u{00A0}https://cdn.example/2001_1.png") == true)
        #expect(await h.host.calls == ["2001"])
        // Later polls say nothing more.
        await h.tracker.poll()
        await h.tracker.mirrorsSettled()
        #expect(await h.results("2001").count == 1)
    }

    @Test func aDisabledHostMeansTheProxysLinks() async throws {
        let h = try MirrorTrackerHarness()
        await h.host.setDisabled(true)
        try await h.start("2002")
        #expect(await h.tracker.apply(success("2002", singles: false)) == .applied)
        #expect(await h.texts == ["alice: ✅ «a red fox» → https://cdn.example/2002.png · ref 2002 · next: !u1–4 !v1–4 !reroll"])
    }

    @Test func aSlowMirrorHoldsUpNeitherThePollNorAnotherTasksResult() async throws {
        let h = try MirrorTrackerHarness()
        try await h.start("3001", prompt: "a slow fox")
        try await h.start("3002", prompt: "a quick hare")
        await h.host.hold("3001")
        await h.source.set(success("3001"))
        await h.source.set(success("3002"))
        // The poll returns while 3001's download hangs.
        await h.tracker.poll()
        #expect(await eventually { await h.host.started.contains("3001") })
        // 3002's line goes out meanwhile.
        #expect(await h.transport.waitUntil { $0.contains { $0.text.contains("a quick hare") } })
        #expect(await h.results("3001").isEmpty)
        // Its deadline passing while it is mirrored does not make it a timeout.
        h.clock.advance(by: h.configuration.taskDeadline + 1)
        await h.tracker.expireOverdue()
        #expect(await h.texts.allSatisfy { !$0.contains("⏱") })
        await h.host.release("3001")
        await h.tracker.mirrorsSettled()
        #expect(await h.results("3001").count == 1)
        #expect(await h.results("3002").count == 1)
        #expect(await h.results("3001").first?.contains("\(Self.h)3001.png") == true)
    }

    @Test func mirrorsRunAtMostTheConfiguredNumberAtOnce() async throws {
        var configuration = BridgeConfiguration(defaultProgress: .off)
        configuration.maxConcurrentMirrors = 2
        let h = try MirrorTrackerHarness(configuration: configuration)
        let ids = ["4001", "4002", "4003"]
        for id in ids {
            try await h.start(id, prompt: "fox \(id)")
            await h.host.hold(id)
            await h.source.set(success(id))
        }
        await h.tracker.poll()
        // The third waits for a slot, not for the host: it is parked in the slots, not started.
        #expect(await eventually {
            let started = await h.host.started.count, waiting = await h.tracker.mirrorsWaitingForSlot
            return started == 2 && waiting == 1
        })
        #expect(await h.host.started.count == 2)
        let first = try #require(await h.host.started.first)
        await h.host.release(first)
        #expect(await eventually {
            let started = await h.host.started.count, waiting = await h.tracker.mirrorsWaitingForSlot
            return started == 3 && waiting == 0
        })
        for id in ids { await h.host.release(id) }
        await h.tracker.mirrorsSettled()
        for id in ids { #expect(await h.results(id).count == 1) }
    }

    @Test func describeAndFailuresAreNotMirrored() async throws {
        let h = try MirrorTrackerHarness()
        try await h.start("5001", kind: "describe", prompt: "")
        #expect(await h.tracker.apply(TaskSnapshot(id: "5001", action: "DESCRIBE", status: "SUCCESS", progress: 100,
                                                   imageUrl: "https://cdn.example/given.png",
                                                   finalPrompt: "1️⃣ a fox\n\n2️⃣ a dog")) == .applied)
        try await h.start("5002")
        #expect(await h.tracker.apply(TaskSnapshot(id: "5002", action: "IMAGINE", status: "FAILURE", failReason: "banned")) == .applied)
        #expect(await h.host.calls.isEmpty)
        #expect(await h.texts.first == "alice: ✅ 2 prompts for your image · ref 5001")
        #expect(await h.texts.allSatisfy { !$0.contains("https://") })
    }

    /// The process stops while a download runs: nothing is committed, and the next start's
    /// poll mirrors again (answered from what the host kept) and says the result once.
    @Test func aStopBetweenMirrorAndCommitIsRecoveredByTheNextStart() async throws {
        let h = try MirrorTrackerHarness()
        try await h.start("6001")
        await h.host.hold("6001")
        await h.source.set(success("6001"))
        await h.tracker.poll()
        #expect(await eventually { await h.host.started.contains("6001") })
        await h.tracker.stopMirroring()
        await h.host.release("6001")
        await h.tracker.mirrorsSettled()
        #expect(await h.texts.isEmpty)
        #expect(try await h.store.task(id: "6001")?.isTerminal == false)

        // The next process: same file, same host.
        let store = try SQLiteStore.open(path: h.dir.databasePath)
        let transport = RecordingTransport()
        let delivery = OutboxDelivery(store: store, transport: transport, now: { [clock = h.clock] in clock.now }, logger: Logger(label: "test"))
        let tracker = TaskTracker(store: store, delivery: delivery, source: h.source, configuration: h.configuration,
                                  clock: h.timers.bridgeClock(h.clock), logger: Logger(label: "test"), imageHost: h.host)
        await tracker.recover()
        await tracker.mirrorsSettled()
        await delivery.settled()
        let texts = await transport.texts
        #expect(texts.count == 1)
        #expect(texts.first?.contains("\(Self.h)6001.png") == true)
        #expect(await h.host.calls == ["6001", "6001"])
        await delivery.shutdown()
    }
}

extension ResultMirroringTests {
    /// A host that breaks its promise to return within its deadline holds up neither its slot
    /// nor the result: past the bridge's own limit (on the bridge's clock, review finding 8) the
    /// proxy's links are posted, once, and the hanging download is cancelled, not leaked.
    @Test func aHostThatHangsPastTheBridgesLimitGetsTheProxysLinks() async throws {
        var configuration = BridgeConfiguration(defaultProgress: .off)
        configuration.mirrorDeadline = .seconds(60)
        configuration.maxConcurrentMirrors = 1
        let h = try MirrorTrackerHarness(configuration: configuration)
        try await h.start("7001", prompt: "a stuck fox")
        try await h.start("7002", prompt: "a free hare")
        await h.host.hold("7001")
        await h.source.set(success("7001", singles: false))
        await h.tracker.poll()
        // The download hangs and the deadline's timer waits on the injected clock.
        #expect(await eventually { await h.host.started.contains("7001") ? h.timers.waiting == 1 : false })
        h.timers.advance(by: .seconds(59))
        #expect(h.timers.waiting == 1)
        #expect(await h.results("7001").isEmpty)
        h.timers.advance(by: .seconds(1))
        #expect(await h.transport.waitUntil { $0.contains { $0.text.contains("a stuck fox") } })
        #expect(await h.results("7001") == ["alice: ✅ «a stuck fox» → https://cdn.example/7001.png · ref 7001 · next: !u1–4 !v1–4 !reroll"])
        // The hanging download was cancelled (the host retries it in the background).
        #expect(await eventually { await h.host.cancelled == ["7001"] })
        // The one slot is free again for the next result.
        #expect(await h.tracker.apply(success("7002", singles: false)) == .applied)
        #expect(await h.results("7002").first?.contains("\(Self.h)7002.png") == true)
        // A mirror that answers in time leaves no timer behind.
        #expect(await eventually { h.timers.waiting == 0 })
        await h.tracker.mirrorsSettled()
        #expect(await h.results("7001").count == 1)
    }
}
