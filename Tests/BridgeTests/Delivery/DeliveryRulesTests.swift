import Foundation
import Testing
@testable import Bridge
import Store

/// The delivery rules without a transport or a store.
@Suite struct DeliveryRulesTests {
    let t0 = Date(timeIntervalSince1970: 1_748_339_000)
    let rules = DeliveryRules(policy: DeliveryPolicy(holdTime: 24 * 3600, maxRefusals: 5, cannotSendRetry: 1800,
                                                     refusalBackoff: 60, maxRefusalBackoff: 3600))

    func line(attempts: Int = 0, offset: Int = 0, heldSince: Date? = nil, reason: String? = nil) -> OutboxLine {
        var line = OutboxLine(network: "net", target: "#art", isChannel: true, text: "hello there", style: "privmsg", createdAt: t0)
        line.attempts = attempts
        line.confirmedOffset = offset
        line.heldSince = heldSince
        line.heldReason = reason
        return line
    }

    @Test func confirmedIsDeliveredAndInterruptedKeepsTheFurthestOffset() {
        #expect(rules.step(after: .confirmed, line: line(), now: t0) == .delivered)
        #expect(rules.step(after: .interrupted(confirmedOffset: 6), line: line(offset: 2), now: t0) == .interrupted(offset: 6))
        // A transport never moves back, but a stale report must not undo a confirmed piece.
        #expect(rules.step(after: .interrupted(confirmedOffset: 0), line: line(offset: 6), now: t0) == .interrupted(offset: 6))
    }

    @Test func aChannelRefusalHoldsUntilTheSlowRetry() {
        let refusal = DeliveryRefusal(.cannotSendToChannel, reason: "Cannot send to channel")
        #expect(rules.step(after: .refused(refusal, confirmedOffset: 6), line: line(attempts: 3), now: t0)
                == .hold(offset: 6, reason: "Cannot send to channel", retryAt: t0.addingTimeInterval(1800)))
    }

    @Test func otherRefusalsBackOffDoublingUpToTheCap() {
        let refusal = DeliveryRefusal(.noSuchTarget, reason: "No such nick")
        let waits = (0..<5).map { attempts -> TimeInterval? in
            guard case .hold(_, _, let retryAt) = rules.step(after: .refused(refusal, confirmedOffset: 0), line: line(attempts: attempts), now: t0)
            else { return nil }
            return retryAt.timeIntervalSince(t0)
        }
        #expect(waits == [60, 120, 240, 480, 960])
        let capped = DeliveryRules(policy: DeliveryPolicy(maxRefusals: 100, refusalBackoff: 60, maxRefusalBackoff: 3600))
        #expect(capped.step(after: .refused(refusal, confirmedOffset: 0), line: line(attempts: 40), now: t0)
                == .hold(offset: 0, reason: "No such nick", retryAt: t0.addingTimeInterval(3600)))
    }

    @Test func permanentRefusalsAndTooManyRefusalsDeadLetter() {
        for kind in [DeliveryRefusal.Kind.invalidTarget, .unknownNetwork] {
            #expect(rules.step(after: .refused(DeliveryRefusal(kind, reason: "nope"), confirmedOffset: 0), line: line(), now: t0)
                    == .deadLetter(offset: 0, reason: "refused: nope"))
        }
        #expect(rules.step(after: .refused(DeliveryRefusal(.other, reason: "odd"), confirmedOffset: 0), line: line(attempts: 5), now: t0)
                == .deadLetter(offset: 0, reason: "refused 6 times: odd"))
    }

    @Test func theHoldTimeCountsFromTheFirstHold() {
        let held = line(heldSince: t0, reason: "+m")
        #expect(rules.expiry(of: held, now: t0.addingTimeInterval(24 * 3600 - 1)) == nil)
        #expect(rules.expiry(of: held, now: t0.addingTimeInterval(24 * 3600)) == "held for more than 24 h: +m")
        #expect(rules.expiry(of: line(), now: t0.addingTimeInterval(1_000_000)) == nil, "owed but never held: no hold time")
    }

    @Test func theChannelStatusDecidesBeforeSending() {
        #expect(rules.check(channel: "#art", status: .joined) == .send)
        #expect(rules.check(channel: "#art", status: .waiting) == .hold(reason: "the bot is not in #art (yet)"))
        #expect(rules.check(channel: "#art", status: .notWanted)
                == .deadLetter(reason: "the bot no longer wants to be in #art (left, or not configured)"))
        // The store says it was joined from chat: the transport has not been told yet (start-up).
        #expect(rules.check(channel: "#art", status: .notWanted, joinedFromChat: true) == .hold(reason: "the bot is not in #art (yet)"))
    }
}
