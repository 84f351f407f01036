import Testing
import GuardedFetch

@Suite struct DownloadLimiterTests {
    static var farAway: ContinuousClock.Instant { .now.advanced(by: .seconds(60)) }

    /// Polls `limiter` until `condition` holds; fails the test after 30 s.
    static func waitUntil(_ limiter: DownloadLimiter, _ what: String,
                          _ condition: @Sendable (DownloadLimiter.Usage) -> Bool) async throws {
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        while !condition(await limiter.usage) {
            guard ContinuousClock.now < deadline else {
                Issue.record("timed out waiting for \(what); usage \(await limiter.usage)")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    @Test func admitsUpToTheCountThenQueuesInOrder() async throws {
        let limiter = DownloadLimiter(maxConcurrent: 2, budgetBytes: 1_000)
        let a = try #require(await limiter.acquire(bytes: 100, deadline: Self.farAway))
        let b = try #require(await limiter.acquire(bytes: 100, deadline: Self.farAway))
        #expect(await limiter.usage == .init(running: 2, reservedBytes: 200, waiting: 0))
        let third = Task { await limiter.acquire(bytes: 100, deadline: Self.farAway) }
        try await Self.waitUntil(limiter, "the third to queue") { $0.waiting == 1 }
        await limiter.release(a)
        let c = try #require(await third.value)
        #expect(await limiter.usage == .init(running: 2, reservedBytes: 200, waiting: 0))
        await limiter.release(b)
        await limiter.release(c)
        #expect(await limiter.usage == .init(running: 0, reservedBytes: 0, waiting: 0))
    }

    @Test func theByteBudgetHoldsEvenWithSlotsFree() async throws {
        let limiter = DownloadLimiter(maxConcurrent: 10, budgetBytes: 250)
        let a = try #require(await limiter.acquire(bytes: 100, deadline: Self.farAway))
        let b = try #require(await limiter.acquire(bytes: 100, deadline: Self.farAway))
        let big = Task { await limiter.acquire(bytes: 100, deadline: Self.farAway) }
        try await Self.waitUntil(limiter, "the third to wait for bytes") { $0.waiting == 1 }
        // First come, first served: a small one does not overtake the waiting one.
        let small = Task { await limiter.acquire(bytes: 10, deadline: Self.farAway) }
        try await Self.waitUntil(limiter, "the small one to queue") { $0.waiting == 2 }
        await limiter.release(a)
        let c = try #require(await big.value)
        let d = try #require(await small.value)
        #expect(await limiter.usage == .init(running: 3, reservedBytes: 210, waiting: 0))
        for permit in [b, c, d] { await limiter.release(permit) }
        // A reservation above the whole budget is cut to it rather than never admitted.
        let whole = try #require(await limiter.acquire(bytes: 10_000, deadline: Self.farAway))
        #expect(whole.bytes == 250)
        await limiter.release(whole)
    }

    @Test func aWaiterGivesUpAtItsDeadlineAndTheQueueMovesOn() async throws {
        let limiter = DownloadLimiter(maxConcurrent: 1, budgetBytes: 1_000)
        let a = try #require(await limiter.acquire(bytes: 1, deadline: Self.farAway))
        #expect(await limiter.acquire(bytes: 1, deadline: .now.advanced(by: .milliseconds(50))) == nil)
        #expect(await limiter.usage == .init(running: 1, reservedBytes: 1, waiting: 0))
        let cancelled = Task { await limiter.acquire(bytes: 1, deadline: Self.farAway) }
        try await Self.waitUntil(limiter, "the waiter to queue") { $0.waiting == 1 }
        cancelled.cancel()
        #expect(await cancelled.value == nil)
        #expect(await limiter.usage == .init(running: 1, reservedBytes: 1, waiting: 0))
        await limiter.release(a)
        #expect(await limiter.usage == .init(running: 0, reservedBytes: 0, waiting: 0))
    }
}
