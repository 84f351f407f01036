import Foundation
import IRC
import Store
import Logging

/// One INVITE as the transport heard it.
public struct ChatInvite: Sendable, Hashable {
    public var network: String
    public var channel: String
    public var inviter: String
    /// The inviter's `user@host`, for the audit log.
    public var userHost: String?
    /// The inviter's services account when the network tagged the INVITE with it.
    public var account: String?
    public var caseMapping: CaseMapping

    public init(network: String, channel: String, inviter: String, userHost: String? = nil, account: String? = nil,
                caseMapping: CaseMapping = .rfc1459) {
        self.network = network
        self.channel = channel
        self.inviter = inviter
        self.userHost = userHost
        self.account = account
        self.caseMapping = caseMapping
    }
}

extension ChatBridge {
    /// An INVITE to the bot (`accept_invites`). The inviter's operator status is checked with
    /// NAMES *before* joining rather than by joining and reading the member list: a JOIN on
    /// someone's word would show the bot (and a PART) in a channel nobody in charge asked for,
    /// which anyone able to INVITE could repeat at will. The price: a secret channel hides its
    /// members from outside, and then the inviter is told to ask an owner instead.
    /// Followed invitations are kept like `!join` (rejoined after a restart) and, like
    /// every owner command, audited; refusals are audited too and the inviter told by NOTICE.
    /// Decisions run one at a time per network, so concurrent invitations cannot together pass
    /// `max_channels`; ignored inviters and channels the owners parted are refused.
    public func invited(_ invite: ChatInvite) async {
        await inviteQueue.run(network: invite.network) { await self.decide(invite) }
    }

    private func decide(_ invite: ChatInvite) async {
        let access = live.current.access(network: invite.network)
        let channel = invite.channel
        let event = ChatEvent(network: invite.network, target: .channel(channel), sender: invite.inviter, account: invite.account,
                              text: "INVITE", accountVerified: invite.account != nil, userHost: invite.userHost,
                              caseMapping: invite.caseMapping)
        let status = await transport.channelStatus(network: invite.network, channel: channel)
        let ignored = await roster.resolver(network: invite.network).role(of: event) == .ignored
        let parted = await channels.membership(network: invite.network, channel: channel) == .parted
        var decision = InviteDecision.first(acceptance: access.acceptInvites, channel: channel, inviter: invite.inviter,
                                            alreadyJoined: status == .joined, inviterIgnored: ignored, partedByOwners: parted)
        if decision == .checkInviter {
            let standing = await transport.channelStanding(network: invite.network, channel: channel, nick: invite.inviter)
            let wanted = await transport.wantedChannelCount(network: invite.network)
            decision = InviteDecision.afterStanding(standing, channel: channel, inviter: invite.inviter, wantedChannels: wanted,
                                                    maxChannels: access.maxChannels, alreadyWanted: status == .waiting)
        }
        let metadata: Logger.Metadata = ["network": "\(invite.network)"]
        switch decision {
        case .ignore(let log, let outcome):
            logger.notice("\(log)", metadata: metadata)
            if let outcome { await audit(event: event, command: "invite", target: channel, outcome: outcome) }
        case .refuse(let log, let notice, let outcome):
            logger.notice("\(log)", metadata: metadata)
            await audit(event: event, command: "invite", target: channel, outcome: outcome)
            await send(OutgoingChat(network: invite.network, target: invite.inviter, text: notice, style: .notice))
        case .checkInviter:
            break
        case .join:
            logger.notice("joining \(channel) on the invitation of \(invite.inviter), an operator there", metadata: metadata)
            do {
                try await transport.join(network: invite.network, channel: channel, key: nil)
            } catch {
                logger.warning("cannot join \(channel) on invitation: \(error)", metadata: metadata)
                return await audit(event: event, command: "invite", target: channel, outcome: "failed: \(error)")
            }
            do {
                try await channels.setMembership(.joined, key: nil, network: invite.network, channel: channel, at: clock.now())
                await audit(event: event, command: "invite", target: channel, outcome: "ok: joined")
            } catch {
                logger.error("cannot remember a channel joined on invitation", metadata: ["channel": "\(channel)", "error": "\(error)"])
                await audit(event: event, command: "invite", target: channel, outcome: "ok, not stored")
            }
        }
    }
}
