import IRC
import Testing
@testable import Bridge

@Suite struct InviteDecisionTests {
    @Test func offIgnoresWithoutAuditAndWithoutAsking() {
        guard case .ignore(let log, let outcome) = InviteDecision.first(acceptance: .off, channel: "#c", inviter: "op", alreadyJoined: false) else {
            Issue.record("not ignored")
            return
        }
        #expect(log.contains("accept_invites is off") && outcome == nil)
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
                    == .ignore(log: "ignored an INVITE to #c from x: not an operator there", outcome: "refused: not a channel operator"))
        }
        // Unknowable: refused, and the inviter is told why (no silent failure for an operator).
        for standing in [ChannelMembers.Standing.hidden, nil] {
            guard case .refuse = InviteDecision.afterStanding(standing, channel: "#c", inviter: "x", wantedChannels: 0, maxChannels: 20) else {
                Issue.record("\(String(describing: standing))")
                return
            }
        }
    }

    /// The owners' `!part` and the ignore list stand above a channel operator's invitation
    /// (review finding 2): both are refused before NAMES is even asked.
    @Test func ownersPartAndTheIgnoreListOutrankAnInvitation() {
        #expect(InviteDecision.first(acceptance: .channelOperators, channel: "#c", inviter: "eve", alreadyJoined: false,
                                     inviterIgnored: true)
                == .ignore(log: "ignored an INVITE to #c from eve: an ignored user", outcome: "refused: ignored user"))
        guard case .refuse(let log, let notice, let outcome) = InviteDecision.first(
            acceptance: .channelOperators, channel: "#c", inviter: "op", alreadyJoined: false, partedByOwners: true) else {
            Issue.record("a parted channel is not refused")
            return
        }
        #expect(log.contains("!part") && notice.contains("#c") && outcome == "refused: left by the owners (!part)")
        // Off stays silent whatever else is true.
        guard case .ignore(_, nil) = InviteDecision.first(acceptance: .off, channel: "#c", inviter: "eve", alreadyJoined: false,
                                                          inviterIgnored: true, partedByOwners: true) else {
            Issue.record("off is not silent")
            return
        }
    }
}
