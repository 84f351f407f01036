import Foundation
import Testing
@testable import Bridge

@Suite struct CommandRateLimiterTests {
    @Test func theSeventhCommandIn30sStartsAMinuteOfSilenceToldOnce() {
        var limiter = CommandRateLimiter(limit: 6)
        let t = evening
        for i in 0..<6 {
            #expect(limiter.admit("alice", at: t.addingTimeInterval(Double(i))) == .allow)
        }
        #expect(limiter.admit("alice", at: t.addingTimeInterval(6)) == .ignoreAndNotify(until: t.addingTimeInterval(66)))
        // Exactly one notice: everything during the penalty is ignored silently.
        var notices = 0
        for i in 7..<66 {
            switch limiter.admit("alice", at: t.addingTimeInterval(Double(i))) {
            case .ignoreAndNotify: notices += 1
            case .allow: Issue.record("allowed during the penalty at +\(i) s")
            case .ignore: break
            }
        }
        #expect(notices == 0)
        // Others are not affected.
        #expect(limiter.admit("bob", at: t.addingTimeInterval(10)) == .allow)
        // After the minute, a fresh window.
        for i in 0..<6 {
            #expect(limiter.admit("alice", at: t.addingTimeInterval(66 + Double(i) * 0.1)) == .allow)
        }
        #expect(limiter.admit("alice", at: t.addingTimeInterval(67)) == .ignoreAndNotify(until: t.addingTimeInterval(127)))
    }

    @Test func theWindowSlides() {
        var limiter = CommandRateLimiter(limit: 2)
        #expect(limiter.admit("a", at: evening) == .allow)
        #expect(limiter.admit("a", at: evening.addingTimeInterval(20)) == .allow)
        // The first left the window at +30: two in the last 30 s again, not three.
        #expect(limiter.admit("a", at: evening.addingTimeInterval(30)) == .allow)
        #expect(limiter.admit("a", at: evening.addingTimeInterval(31)) == .ignoreAndNotify(until: evening.addingTimeInterval(91)))
    }

    @Test func zeroIsOff() {
        var limiter = CommandRateLimiter(limit: 0)
        for _ in 0..<100 { #expect(limiter.admit("a", at: evening) == .allow) }
        #expect(limiter.remembered == 0)
    }

    @Test func idleIdentitiesAreForgotten() {
        var limiter = CommandRateLimiter(limit: 1)
        for i in 0..<50 { _ = limiter.admit("u\(i)", at: evening) }
        _ = limiter.admit("u0", at: evening)
        #expect(limiter.remembered == 50)
        limiter.forgetIdle(at: evening.addingTimeInterval(31))
        #expect(limiter.remembered == 1, "only the penalised one")
        limiter.forgetIdle(at: evening.addingTimeInterval(61))
        #expect(limiter.remembered == 0)
    }
}
