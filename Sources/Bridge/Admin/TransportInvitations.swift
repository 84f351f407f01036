import Foundation
import Logging

extension ChatBridge {
    /// An invitation the transport followed or declined by its own rule (Matrix `invites`:
    /// the homeserver authenticates the inviter, so nothing is left to check here, unlike an
    /// IRC INVITE). A followed one is kept like `!join` (joined again after a restart); both
    /// are audited like owner commands, under the inviter's user id.
    public func invitationHandled(network: String, room: String, inviter: String?, joined: Bool, outcome: String) async {
        let event = ChatEvent(network: network, target: .channel(room), sender: inviter ?? "(unknown)", account: inviter,
                              text: "INVITE", accountVerified: inviter != nil, userHost: nil, caseMapping: .ascii)
        guard joined else {
            return await audit(event: event, command: "invite", target: room, outcome: outcome)
        }
        do {
            try await channels.setMembership(.joined, key: nil, network: network, channel: room, at: clock.now())
            await audit(event: event, command: "invite", target: room, outcome: outcome)
        } catch {
            logger.error("cannot remember a room joined on invitation", metadata: ["room": "\(room)", "error": "\(error)"])
            await audit(event: event, command: "invite", target: room, outcome: "\(outcome), not stored")
        }
    }
}
