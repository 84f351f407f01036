import Testing
import IRC

@Suite struct JoinRetryBackoffTests {
    @Test func waitDoublesPerRefusalUpToTheMaximum() {
        let backoff = JoinRetryBackoff(base: .seconds(10), maximum: .seconds(600))
        #expect((1...9).map { backoff.delay(afterRefusals: $0) }
            == [10, 20, 40, 80, 160, 320, 600, 600, 600].map { Duration.seconds($0) })
        #expect(backoff.delay(afterRefusals: 10_000) == .seconds(600))
        // A zero rejoin delay still leaves a pause between refused JOINs.
        #expect(JoinRetryBackoff(base: .zero, maximum: .seconds(1)).delay(afterRefusals: 1) == .milliseconds(100))
        #expect(JoinRetryBackoff(base: .zero, maximum: .seconds(1)).delay(afterRefusals: 3) == .milliseconds(400))
    }
}
