import IRC
import Testing
@testable import Bridge

@Suite struct InviteDecisionTests {
    @Test func offIgnoresWithoutAuditAndWithoutAsking() {
        guard case .ignore(let log, let audited) = InviteDecision.first(acceptance: .off, channel: "#c", inviter: "op", alreadyJoined: false) else {
            Issue.record("not ignored")
            return
        }
        #expect(log.contains("accept_invites is off") && !audited)
        #expect(InviteDecision.first(acceptance: .channelOperators, channel: "#c", inviter: "op", alreadyJoined: false) == .checkInviter)
        guard case .ignore = InviteDecision.first(acceptance: .channelOperators, channel: "#c", inviter: "op", alreadyJoined: true) else {
            Issue.record("an invitation to a channel the bot is in does nothing")
            return
        }
    }

    @Test func onlyAnOperatorWithinTheLimitGetsTheBotToJoin() {
        #expect(InviteDecision.afterStanding(.operator, channel: "#c", inviter: "op", wantedChannels: 19, maxChannels: 20) == .join)
        guard case .refuse(let log, let notice, let outcome) = InviteDecision.afterStanding(.operator, channel: "#c", inviter: "op",
                                                                               wantedChannels: 20, maxChannels: 20) else {
            Issue.record("over the limit")
            return
        }
        #expect(log.contains("max_channels = 20") && notice.contains("(20)") && outcome == "refused: max_channels (20) reached")
        // A channel already wanted (invite-only, not rejoined after a restart) takes no new place.
        #expect(InviteDecision.afterStanding(.operator, channel: "#c", inviter: "op", wantedChannels: 20, maxChannels: 20,
                                             alreadyWanted: true) == .join)
        for standing in [ChannelMembers.Standing.member, .absent] {
            #expect(InviteDecision.afterStanding(standing, channel: "#c", inviter: "x", wantedChannels: 0, maxChannels: 20)
                    == .ignore(log: "ignored an INVITE to #c from x: not an operator there", audited: true))
        }
        // Unknowable: refused, and the inviter is told why (no silent failure for an operator).
        for standing in [ChannelMembers.Standing.hidden, nil] {
            guard case .refuse = InviteDecision.afterStanding(standing, channel: "#c", inviter: "x", wantedChannels: 0, maxChannels: 20) else {
                Issue.record("\(String(describing: standing))")
                return
            }
        }
    }
}
