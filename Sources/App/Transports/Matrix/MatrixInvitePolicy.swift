/// `[[matrix]] invites`: whose invitations the bot follows. Anyone on a homeserver can invite
/// anyone, so following every invitation would let strangers park the bot in rooms of their
/// choosing (and spend the owners' proxy on them); the default follows only the owners.
public enum MatrixInvitePolicy: String, Sendable, Equatable, CaseIterable {
    case owners
    case anyone
    case none

    /// Whether an invitation is followed; `inviterIsOwner` says whether the inviter's user id
    /// is one of the bot's owners (`[bot] owners` or this account's `owners`: the homeserver
    /// authenticated it). An invite without a sender (stripped state without the bot's member
    /// event) is only followed with `anyone`.
    public func accepts(inviter: String?, inviterIsOwner: Bool) -> Bool {
        switch self {
        case .anyone: true
        case .none: false
        case .owners: inviter != nil && inviterIsOwner
        }
    }
}
