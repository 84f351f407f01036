import Testing
@testable import IRCClient

/// Deterministic generator (SplitMix64) so jittered delays are exact.
struct SeededGenerator: RandomNumberGenerator, Sendable {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct ReconnectBackoffTests {
    @Test func capDoublesFromMinimumToMaximum() {
        var backoff = ReconnectBackoff(minimum: .seconds(2), maximum: .seconds(300))
        var random = SeededGenerator(state: 1)
        var caps: [Duration] = []
        for _ in 0..<10 {
            caps.append(backoff.currentCap)
            _ = backoff.nextDelay(using: &random)
        }
        #expect(caps == [2, 4, 8, 16, 32, 64, 128, 256, 300, 300].map { .seconds($0) })
    }

    @Test func delaysStayWithinMinimumAndCap() {
        var backoff = ReconnectBackoff(minimum: .seconds(2), maximum: .seconds(300))
        var random = SeededGenerator(state: 42)
        for _ in 0..<50 {
            let cap = backoff.currentCap
            let delay = backoff.nextDelay(using: &random)
            #expect(delay >= .seconds(2) && delay <= cap)
        }
    }

    @Test func sameSeedSameDelays() {
        var a = ReconnectBackoff(), b = ReconnectBackoff()
        var ra = SeededGenerator(state: 7), rb = SeededGenerator(state: 7)
        let first = (0..<5).map { _ in a.nextDelay(using: &ra) }
        let second = (0..<5).map { _ in b.nextDelay(using: &rb) }
        #expect(first == second)
        #expect(Set(first).count > 1)
    }

    @Test func longConnectionResetsShortOneDoesNot() {
        var backoff = ReconnectBackoff(minimum: .seconds(2), maximum: .seconds(300), resetAfter: .seconds(300))
        var random = SeededGenerator(state: 3)
        for _ in 0..<4 { _ = backoff.nextDelay(using: &random) }
        backoff.connectionEnded(uptime: .seconds(299))
        #expect(backoff.attempts == 4)
        backoff.connectionEnded(uptime: .seconds(300))
        #expect(backoff.attempts == 0)
        #expect(backoff.currentCap == .seconds(2))
    }

    @Test func penaltySkipsAhead() {
        var backoff = ReconnectBackoff(minimum: .seconds(2), maximum: .seconds(300))
        var random = SeededGenerator(state: 5)
        let delay = backoff.nextDelay(penalized: true, using: &random)
        #expect(delay >= .seconds(2) && delay <= .seconds(8))
        #expect(backoff.currentCap == .seconds(16))
    }

    @Test func minimumEqualToMaximumIsFixed() {
        var backoff = ReconnectBackoff(minimum: .seconds(1), maximum: .seconds(1))
        var random = SeededGenerator(state: 9)
        #expect(backoff.nextDelay(using: &random) == .seconds(1))
        #expect(backoff.nextDelay(using: &random) == .seconds(1))
    }
}
