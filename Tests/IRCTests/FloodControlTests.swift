import IRC
import Testing

@Suite struct FloodControlTests {
    let t0 = ContinuousClock.now

    /// `reserve` for use inside `#expect`, which cannot call mutating members.
    func book(_ flood: inout FloodControl, bytes: Int, now: ContinuousClock.Instant) -> Duration {
        flood.reserve(bytes: bytes, now: now)
    }

    @Test func burstOfFiveThenOneEveryTwoSeconds() {
        var flood = FloodControl()
        let delays = (0..<8).map { _ in flood.reserve(bytes: 100, now: t0) }
        #expect(delays == [.zero, .zero, .zero, .zero, .zero, .seconds(2), .seconds(4), .seconds(6)])
    }

    @Test func tokensComeBackWithTime() {
        var flood = FloodControl()
        let burst = (0..<5).map { _ in flood.reserve(bytes: 10, now: t0) }
        #expect(burst == Array(repeating: .zero, count: 5))
        #expect(flood.delay(bytes: 10, now: t0 + .seconds(1)) == .seconds(1))
        #expect(flood.delay(bytes: 10, now: t0 + .seconds(2)) == .zero)
        #expect(book(&flood, bytes: 10, now: t0 + .seconds(3)) == .zero)
        #expect(book(&flood, bytes: 10, now: t0 + .seconds(3)) == .seconds(1))
        // After a long quiet period the full burst is back, never more.
        let later = t0 + .seconds(60)
        let delays = (0..<6).map { _ in flood.reserve(bytes: 10, now: later) }
        #expect(delays == [.zero, .zero, .zero, .zero, .zero, .seconds(2)])
    }

    @Test func peekingDoesNotBook() {
        var flood = FloodControl(.init(burst: 1, interval: .seconds(2), penaltyBytes: nil))
        #expect(flood.nextAllowed(bytes: 10, now: t0) == t0)
        #expect(flood.delay(bytes: 10, now: t0) == .zero)
        #expect(book(&flood, bytes: 10, now: t0) == .zero)
        #expect(flood.nextAllowed(bytes: 10, now: t0) == t0 + .seconds(2))
        #expect(book(&flood, bytes: 10, now: t0 + .milliseconds(500)) == .milliseconds(1500))
    }

    @Test func longLinesCostMore() {
        let flood = FloodControl()
        #expect(flood.cost(bytes: 1) == 1)
        #expect(flood.cost(bytes: 256) == 1)
        #expect(flood.cost(bytes: 257) == 2)
        #expect(flood.cost(bytes: 512) == 2)
        #expect(flood.cost(bytes: 513) == 3)
        #expect(flood.cost(bytes: 100_000) == 5) // capped at the burst
        #expect(FloodControl(.init(penaltyBytes: nil)).cost(bytes: 4000) == 1)

        var paced = FloodControl()
        // Two full lines use four tokens; the third needs two, so it waits for one refill.
        #expect(book(&paced, bytes: 512, now: t0) == .zero)
        #expect(book(&paced, bytes: 512, now: t0) == .zero)
        #expect(book(&paced, bytes: 512, now: t0) == .seconds(2))
        #expect(book(&paced, bytes: 512, now: t0) == .seconds(6))
        #expect(book(&paced, bytes: 10, now: t0) == .seconds(8))
    }

    @Test func oversizedLineTakesTheWholeBucketButStillGoes() {
        var flood = FloodControl(.init(burst: 3, interval: .seconds(1), penaltyBytes: 100))
        #expect(book(&flood, bytes: 10, now: t0) == .zero)
        #expect(book(&flood, bytes: 10_000, now: t0) == .seconds(1))
        #expect(book(&flood, bytes: 10, now: t0) == .seconds(2))
    }

    @Test func configurationAndReset() {
        var flood = FloodControl(.init(burst: 2, interval: .milliseconds(500)))
        #expect(book(&flood, bytes: 1, now: t0) == .zero)
        #expect(book(&flood, bytes: 1, now: t0) == .zero)
        #expect(book(&flood, bytes: 1, now: t0) == .milliseconds(500))
        flood.reset()
        #expect(book(&flood, bytes: 1, now: t0) == .zero)
        #expect(FloodControl.Configuration(burst: 0, interval: .seconds(-1)) == .init(burst: 1, interval: .zero))
    }
}
