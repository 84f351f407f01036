import IRC

/// `accept_invites` of one network.
public enum InviteAcceptance: String, Sendable, Hashable {
    /// INVITEs are logged and ignored (the default: being in a channel is the owners' call).
    case off
    /// An INVITE from an operator of the channel is the permission to join it.
    case channelOperators = "channel-ops"
}

/// What becomes of one INVITE, decided in steps as the facts arrive: the setting and what the
/// bot already wants first, then what NAMES says about the inviter, then the channel limit.
/// Pure; `ChatBridge.invited` executes it.
public enum InviteDecision: Sendable, Hashable {
    /// Not followed, nobody told: `log` says why; `outcome` is the audit log's word for it, nil
    /// when the feature is off or the bot is already there (anyone may INVITE; with nothing
    /// done, the log is record enough).
    case ignore(log: String, outcome: String?)
    /// Not followed, and the inviter is told why by NOTICE (they have a say in the channel);
    /// `outcome` is the audit log's word for it.
    case refuse(log: String, notice: String, outcome: String)
    /// Look up the inviter's standing in the channel, then `afterStanding`.
    case checkInviter
    /// Join the channel, remember it like `!join`, audit it.
    case join

    /// `alreadyJoined`: the bot is in the channel now. A channel it wants but is not in
    /// (an invite-only one it cannot rejoin after a restart) is checked like a new one: the
    /// invitation is what lets it back in.
    /// `inviterIgnored`: the inviter is on the ignore list — an invitation is a command like
    /// any other, and anyone can create a channel and so be its operator.
    /// `partedByOwners`: the owners had the bot leave the channel (`!part`); a channel
    /// operator's word does not overrule theirs.
    public static func first(acceptance: InviteAcceptance, channel: String, inviter: String, alreadyJoined: Bool,
                             inviterIgnored: Bool = false, partedByOwners: Bool = false) -> InviteDecision {
        guard acceptance == .channelOperators else {
            return .ignore(log: "ignored an INVITE to \(channel) from \(inviter): accept_invites is off", outcome: nil)
        }
        if alreadyJoined { return .ignore(log: "INVITE to \(channel) from \(inviter): already there", outcome: nil) }
        if inviterIgnored {
            // Ignored users get no answer at all, as to their commands.
            return .ignore(log: "ignored an INVITE to \(channel) from \(inviter): an ignored user", outcome: "refused: ignored user")
        }
        if partedByOwners {
            return .refuse(log: "refused an INVITE to \(channel) from \(inviter): my owners had me leave it (!part)",
                           notice: "My owners had me leave \(channel); ask one of them to have me join it again.",
                           outcome: "refused: left by the owners (!part)")
        }
        return .checkInviter
    }

    /// - Parameters:
    ///   - standing: NAMES' answer about the inviter (nil: none in time).
    ///   - wantedChannels: channels the bot wants on the network now; `maxChannels` caps them.
    ///   - alreadyWanted: the channel is among them (so joining it adds none).
    public static func afterStanding(_ standing: ChannelMembers.Standing?, channel: String, inviter: String,
                                     wantedChannels: Int, maxChannels: Int, alreadyWanted: Bool = false) -> InviteDecision {
        switch standing {
        case .operator?:
            guard alreadyWanted || wantedChannels < maxChannels else {
                return .refuse(log: "refused an INVITE to \(channel) from \(inviter): already in \(wantedChannels) channels (max_channels = \(maxChannels))",
                               notice: "I cannot join \(channel): I am already in as many channels as my operator allows here (\(maxChannels)).",
                               outcome: "refused: max_channels (\(maxChannels)) reached")
            }
            return .join
        case .member?, .absent?:
            // Anyone in a channel without +i may INVITE; only an operator's invitation counts.
            return .ignore(log: "ignored an INVITE to \(channel) from \(inviter): not an operator there",
                           outcome: "refused: not a channel operator")
        case .hidden?:
            return .refuse(log: "refused an INVITE to \(channel) from \(inviter): its members are hidden from outside, so operator status cannot be checked",
                           notice: "I cannot see who runs \(channel) from outside (a secret channel?), so I cannot check you are an operator there; ask my owner to have me join it.",
                           outcome: "refused: members hidden")
        case nil:
            return .refuse(log: "refused an INVITE to \(channel) from \(inviter): no answer to NAMES",
                           notice: "I could not check that you are an operator of \(channel) (the server did not answer); please invite me again later.",
                           outcome: "refused: no NAMES answer")
        }
    }
}
