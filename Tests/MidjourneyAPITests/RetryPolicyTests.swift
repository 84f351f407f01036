import Testing
@testable import MidjourneyAPI

@Suite("Retry policy")
struct RetryPolicyTests {
    @Test func exponentialWithoutJitter() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: .milliseconds(100), maxDelay: .seconds(1), jitter: 0)
        #expect((1...6).map(policy.delay(afterAttempt:)) == [
            .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1), .seconds(1),
        ])
    }

    @Test func jitterScalesTheRandomisedPart() {
        let low = RetryPolicy(baseDelay: .milliseconds(400), jitter: 0.5, random: { 0 })
        let high = RetryPolicy(baseDelay: .milliseconds(400), jitter: 0.5, random: { 0.5 })
        #expect(low.delay(afterAttempt: 1) == .milliseconds(200))
        #expect(high.delay(afterAttempt: 1) == .milliseconds(300))
        #expect(high.delay(afterAttempt: 2) == .milliseconds(600))
    }

    @Test func whatIsRetried() {
        let policy = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(100), jitter: 0, maxRetryAfter: .seconds(10))
        #expect(policy.pause(after: .server(status: 503), attempt: 1) == .milliseconds(100))
        #expect(policy.pause(after: .unreachable("x"), attempt: 2) == .milliseconds(200))
        #expect(policy.pause(after: .server(status: 503), attempt: 3) == nil, "attempts used up")
        #expect(policy.pause(after: .timeout(submit: false), attempt: 1) != nil)
        #expect(policy.pause(after: .timeout(submit: true), attempt: 1) == nil)
        #expect(policy.pause(after: .rateLimited(retryAfter: .seconds(2)), attempt: 1) == .seconds(2))
        #expect(policy.pause(after: .rateLimited(retryAfter: .seconds(60)), attempt: 1) == nil, "too long to wait")
        #expect(policy.pause(after: .apiKeyRejected(status: 401, hint: ""), attempt: 1) == nil)
        #expect(policy.pause(after: .notFound(path: "x"), attempt: 1) == nil)
        #expect(policy.pause(after: .rejected(SubmitResponse(code: .failure, description: "")), attempt: 1) == nil)
        #expect(RetryPolicy.none.pause(after: .server(status: 500), attempt: 1) == nil)
    }
}
