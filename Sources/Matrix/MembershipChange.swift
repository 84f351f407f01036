/// An `m.room.member` event from a joined room's timeline: someone joined, left, was
/// invited, kicked or banned, or changed their display name.
public struct MembershipChange: Sendable, Hashable {
    public var roomID: String
    public var eventID: String
    /// Whose membership (`state_key`).
    public var userID: String
    /// Who made the change (differs from `userID` for invites, kicks and bans).
    public var sender: String
    /// `join`, `invite`, `leave`, `ban`, `knock` (as sent).
    public var membership: String
    public var previousMembership: String?
    public var displayName: String?
    public var reason: String?

    public init(roomID: String, eventID: String, userID: String, sender: String, membership: String,
                previousMembership: String? = nil, displayName: String? = nil, reason: String? = nil) {
        self.roomID = roomID
        self.eventID = eventID
        self.userID = userID
        self.sender = sender
        self.membership = membership
        self.previousMembership = previousMembership
        self.displayName = displayName
        self.reason = reason
    }

    /// A kick: the user left, someone else made it so.
    public var isKick: Bool { membership == "leave" && sender != userID }
}
