import Foundation
import Testing
@testable import ImageHosting

@Suite struct MirrorRetryPolicyTests {
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)
    let policy = MirrorRetryPolicy(firstDelay: 30, maxDelay: 600, giveUpAfter: 3600)

    @Test func backsOffExponentiallyUpToTheCap() {
        #expect(policy.next(afterAttempts: 1, firstFailedAt: t0, now: t0, linkExpiry: nil) == .retry(at: t0.addingTimeInterval(30)))
        #expect(policy.next(afterAttempts: 2, firstFailedAt: t0, now: t0.addingTimeInterval(30), linkExpiry: nil)
                == .retry(at: t0.addingTimeInterval(90)))
        #expect(policy.next(afterAttempts: 10, firstFailedAt: t0, now: t0.addingTimeInterval(100), linkExpiry: nil)
                == .retry(at: t0.addingTimeInterval(700)))
        // Never scheduled past the give-up time.
        #expect(policy.next(afterAttempts: 10, firstFailedAt: t0, now: t0.addingTimeInterval(3500), linkExpiry: nil)
                == .retry(at: t0.addingTimeInterval(3600)))
    }

    @Test func givesUpAfterTheLimitOrOnceTheLinkExpired() {
        guard case .giveUp = policy.next(afterAttempts: 3, firstFailedAt: t0, now: t0.addingTimeInterval(3600), linkExpiry: nil) else {
            Issue.record("should give up after giveUpAfter"); return
        }
        guard case .giveUp(let reason) = policy.next(afterAttempts: 1, firstFailedAt: t0, now: t0.addingTimeInterval(10),
                                                     linkExpiry: t0.addingTimeInterval(5)) else {
            Issue.record("should give up on an expired link"); return
        }
        #expect(reason.contains("expired"))
    }

    @Test func readsDiscordStyleExpiries() {
        let url = "https://cdn.discordapp.com/attachments/1/2/a.png?ex=6650b4a0&is=664f6320&hm=abc&"
        #expect(LinkExpiry.of(url) == Date(timeIntervalSince1970: TimeInterval(0x6650b4a0)))
        #expect(LinkExpiry.of("https://example.com/a.png") == nil)
        #expect(LinkExpiry.of("https://example.com/a.png?ex=zz") == nil)
        #expect(LinkExpiry.earliest([url, "https://x/b.png?ex=10"]) == Date(timeIntervalSince1970: 16))
    }
}
