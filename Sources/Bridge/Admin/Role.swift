/// What a sender may do, lowest first. Owners come from `bot.conf` (services account or
/// `owner_masks`), admins are added by owners in chat, ignored senders get no answer at all.
public enum Role: Int, Comparable, Sendable, CaseIterable {
    case ignored
    case user
    case admin
    case owner

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rawValue < rhs.rawValue }

    /// For refusals: "!ignore is for the bot's admins."
    public var plural: String {
        switch self {
        case .ignored: "ignored users"
        case .user: "users"
        case .admin: "admins"
        case .owner: "owners"
        }
    }
}
